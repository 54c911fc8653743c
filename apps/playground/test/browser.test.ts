// The page as a person uses it, in real headless Chromium (Debian's `chromium`): choose a
// program, run it on the server, watch the output and the timeline; stop and run again.
// Chromium must be installed (`apt-get install -y chromium`): without it this test fails.
import { mkdirSync, readFileSync } from 'node:fs';
import { type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServerProcess } from './helpers.js';

const screenshots = fileURLToPath(new URL('../.screenshots/', import.meta.url));
let server: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ({ child: server, url } = await startServerProcess());
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function runProgram(name: string): Promise<void> {
  await page.goto(url);
  await page.click(`nav button[data-program="${name}"]`);
  await page.waitForSelector('body[data-state="ready"]');
  await page.click('#run');
  await page.waitForSelector('body[data-state="done"]', { timeout: 90_000 });
  expect(await page.getAttribute('body', 'data-exit-code')).toBe('0');
}

async function laneLabels(): Promise<string[]> {
  return page.$$eval('#timeline g.lane', (lanes) => lanes.map((lane) => lane.getAttribute('data-label') ?? ''));
}

async function count(selector: string): Promise<number> {
  return page.locator(selector).count();
}

async function screenshot(name: string): Promise<void> {
  const path = `${screenshots}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  const png = readFileSync(path);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.length).toBeGreaterThan(20_000);
}

describe('the playground page', () => {
  it('lists the programs and shows a program with its Python', async () => {
    await page.goto(url);
    // The list arrives from the server after the page loads.
    await page.waitForSelector('nav button[data-program]');
    expect(await count('nav button[data-program]')).toBeGreaterThanOrEqual(13);
    await page.click('nav button[data-program="traffic-light"]');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.textContent('#title')).toBe('Event: the traffic light');
    expect(await page.textContent('#source')).toContain("import { Event } from '@conc/sync'");
    expect(await page.textContent('#python')).toContain('event = threading.Event()');
  });

  it('runs the traffic light: lanes for the light and the cars, set and clear drawn', async () => {
    await page.goto(url);
    await page.click('nav button[data-program="traffic-light"]');
    await page.waitForSelector('body[data-state="ready"]');
    await page.click('#run');
    // Drawn live: the lanes are there while the program still runs.
    await page.waitForFunction(
      () => document.body.dataset['state'] === 'running' && document.querySelectorAll('#timeline g.lane').length >= 3,
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForSelector('body[data-state="done"]', { timeout: 90_000 });
    expect(await page.getAttribute('body', 'data-exit-code')).toBe('0');
    const output = await page.textContent('#output');
    expect(output).toContain('red light');
    expect(output).toContain('[Tesla] arrived');
    expect(output).toContain('[exited with code 0]');
    const lanes = await laneLabels();
    expect(lanes).toEqual(expect.arrayContaining(['MainThread', 'light', 'Tesla', 'Volvo']));
    expect(await count('#timeline rect.span-running')).toBeGreaterThanOrEqual(4);
    expect(await count('#timeline rect.span-sleeping')).toBeGreaterThan(10);
    expect(await count('#timeline g.lane[data-label="light"] .mark-set')).toBe(2);
    expect(await count('#timeline g.lane[data-label="light"] .mark-clear')).toBe(1);
    const titles = await page.$$eval('#timeline .mark-clear title', (nodes) => nodes.map((n) => n.textContent));
    expect(titles[0]).toMatch(/^clear Event 'green light' at \d+ ms$/);
    await screenshot('traffic-light');
  });

  it('runs the Pool program: a lane per worker, tasks handed out and results taken', async () => {
    await runProgram('pool-apply-async');
    expect(await page.textContent('#output')).toContain('-->exec done: 109');
    const lanes = await laneLabels();
    expect(lanes).toEqual(expect.arrayContaining(['MainThread', 'Pool worker 1 (process)', 'Pool worker 2 (process)', 'Pool worker 3 (process)']));
    expect(await count('#timeline rect.span-busy')).toBeGreaterThanOrEqual(3);
    expect(await count('#timeline .mark-put')).toBeGreaterThanOrEqual(3);
    expect(await count('#timeline .mark-get')).toBeGreaterThanOrEqual(3);
    await screenshot('pool');
  });

  it('stops a running program, stays healthy and runs it again', async () => {
    await page.goto(url);
    await page.click('nav button[data-program="door-card"]');
    await page.waitForSelector('body[data-state="ready"]');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#output')?.textContent?.includes('door closed'), undefined, { timeout: 60_000 });
    await page.click('#stop');
    await page.waitForSelector('body[data-state="stopped"]', { timeout: 30_000 });
    expect(await page.textContent('#status')).toBe('stopped');
    expect(await page.textContent('#output')).not.toContain('everyone is in');
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 90_000 });
    expect(await page.textContent('#output')).toContain('everyone is in');
    expect(await laneLabels()).toEqual(expect.arrayContaining(['door', 'staff-1', 'staff-3']));
  });
});

describe('the server', () => {
  it('answers the program list and refuses unknown programs and paths', async () => {
    const list = (await (await fetch(new URL('/api/programs', url))).json()) as { name: string }[];
    expect(list.map((program) => program.name)).toContain('pool-apply-async');
    const one = (await (await fetch(new URL('/api/programs/timer', url))).json()) as { source: string; python: string };
    expect(one.source).toContain("import { Timer } from '@conc/process'");
    expect(one.python).toContain('threading.Timer');
    expect((await fetch(new URL('/api/programs/no-such', url))).status).toBe(404);
    expect((await fetch(new URL('/api/run/..%2Fsrc%2Fmain', url))).status).toBe(404);
    expect((await fetch(new URL('/nothing-here', url))).status).toBe(404);
    expect(((await (await fetch(new URL('/api/stop/999', url), { method: 'POST' })).json()) as { stopped: boolean }).stopped).toBe(false);
  });
});
