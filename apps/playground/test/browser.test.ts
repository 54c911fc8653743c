// The page as a person uses it, in real headless Chromium (Debian's `chromium`, found or
// installed by test/global-setup.ts): choose a program, edit it, run it on the server, watch
// the output, the problems and the timeline; stop and run again. Few runs, each short: the
// terminal and timeline tests run every program already.
import { mkdirSync, readFileSync } from 'node:fs';
import { type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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
    executablePath: inject('chromium'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function open(name: string): Promise<void> {
  await page.goto(url);
  await page.click(`nav button[data-program="${name}"]`);
  await page.waitForSelector('body[data-state="ready"]');
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
  it('lists the programs and shows a program in the editor, with its Python; a link opens a program', async () => {
    await page.goto(`${url}#timer`);
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.textContent('#title')).toBe('Timer: run once, later');
    await page.goto(url);
    // The list arrives from the server after the page loads.
    await page.waitForSelector('nav button[data-program]');
    expect(await count('nav button[data-program]')).toBeGreaterThanOrEqual(14);
    await page.click('nav button[data-program="traffic-light"]');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.textContent('#title')).toBe('Event: the traffic light');
    expect(await page.inputValue('#code-input')).toContain("import { Event } from '@conc/sync'");
    // Highlighted under the text area, line numbered.
    expect(await page.textContent('#editor .editor-view .tok-keyword')).toBe('import');
    expect(await count('#editor .editor-number')).toBe((await page.inputValue('#code-input')).split('\n').length);
    expect(await page.textContent('#python')).toContain('event = threading.Event()');
    expect(await page.isDisabled('#reset')).toBe(true);

    // Typing: Enter after an opener indents one step more, Tab indents, undo takes both back.
    const original = await page.inputValue('#code-input');
    const opener = '  for (let count = 0; count < 15; count++) {';
    const end = original.indexOf(opener) + opener.length;
    await page.focus('#code-input');
    await page.$eval('#code-input', (input, at) => (input as HTMLTextAreaElement).setSelectionRange(at, at), end);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.type('x');
    expect((await page.inputValue('#code-input')).slice(end, end + 8)).toBe('\n      x');
    expect(await page.isVisible('#edited')).toBe(true);
    for (let i = 0; i < 3 && (await page.inputValue('#code-input')) !== original; i++) await page.keyboard.press('Control+z');
    expect(await page.inputValue('#code-input')).toBe(original);
    expect(await page.isVisible('#edited')).toBe(false);
  });

  it('runs the traffic light: lanes for the light and the cars, set and clear drawn', async () => {
    await open('traffic-light');
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

  it('runs an edited program: the changed output, the child processes\' lock marks, a type error beside the code; Reset brings the original back', async () => {
    await open('process-lock');
    const original = await page.inputValue('#code-input');
    expect(original).toContain("console.log('hello world', i);");
    // Typed as a person would: select the greeting and type over it.
    const at = original.indexOf('hello world');
    await page.focus('#code-input');
    await page.$eval('#code-input', (input, [from, to]) => (input as HTMLTextAreaElement).setSelectionRange(from!, to!), [at, at + 'hello world'.length]);
    await page.keyboard.type('greetings from process');
    // And a line that TypeScript rejects but that runs (as tsx runs it in the terminal).
    await page.fill('#code-input', (await page.inputValue('#code-input')).replace('    l.release();\n', '    l.release();\n    const printed: number = i.toString();\n'));
    expect(await page.isVisible('#edited')).toBe(true);
    expect(await page.isDisabled('#reset')).toBe(false);
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 90_000 });
    expect(await page.getAttribute('body', 'data-exit-code')).toBe('0');
    const output = (await page.textContent('#output'))!;
    expect(output.match(/^greetings from process \d$/gm)).toHaveLength(5);
    expect(output).not.toContain('hello world');
    // Each child's lane carries its own acquire and release of the parent's Lock.
    const children = (await laneLabels()).filter((label) => /^Process-\d \(pid \d+\)$/.test(label));
    expect(children).toHaveLength(5);
    for (const child of children) {
      const lane = `#timeline g.lane[data-label="${child}"]`;
      expect(await count(`${lane} .mark-acquire`)).toBe(1);
      expect(await count(`${lane} .mark-release`)).toBe(1);
      expect(await page.textContent(`${lane} .mark-acquire title`)).toMatch(/^acquire Lock 'print' at \d+ ms$/);
    }
    const typeLine = (await page.inputValue('#code-input')).split('\n').findIndex((line) => line.includes('const printed')) + 1;
    expect(await page.textContent('#problems')).toContain(`line ${typeLine}:11`);
    expect(await page.textContent('#problems')).toContain("Type 'string' is not assignable to type 'number'.");
    expect(await page.getAttribute(`#editor .editor-number:nth-child(${typeLine})`, 'data-problem')).toBe('warning');
    await screenshot('edited-process-lock');

    // Kept while the page is open elsewhere, until Reset.
    await open('process-lock');
    expect(await page.inputValue('#code-input')).toContain('greetings from process');
    await page.click('#reset');
    expect(await page.inputValue('#code-input')).toBe(original);
    expect(await page.isVisible('#edited')).toBe(false);
  });

  it('shows a syntax error beside the code and does not run; a new program of one\'s own: abandoned locks drawn, its uncaught error beside the code', async () => {
    await open('counter-lock');
    const original = await page.inputValue('#code-input');
    const broken = original.replace("label(new Lock(), 'counter');", "label(new Lock(), 'counter';");
    expect(broken).not.toBe(original);
    await page.fill('#code-input', broken);
    await page.click('#run');
    await page.waitForSelector('body[data-state="rejected"]', { timeout: 30_000 });
    const line = broken.split('\n').findIndex((text) => text.includes("'counter';")) + 1;
    expect(await page.textContent('#status')).toBe('not run: fix the syntax error first');
    expect(await page.textContent('#problems .problem-error')).toMatch(new RegExp(`^line ${line}:\\d+syntax error TS\\d+'\\)' expected\\.$`));
    expect(await page.getAttribute(`#editor .editor-number:nth-child(${line})`, 'data-problem')).toBe('error');
    expect(await count('#editor .editor-mark-error')).toBe(1);
    expect(await page.textContent('#output')).toBe('');
    // Choosing the problem puts the caret on its line.
    await page.click('#problems .problem-where');
    const caret = await page.$eval('#code-input', (input) => (input as HTMLTextAreaElement).selectionStart);
    expect(broken.slice(0, caret).split('\n')).toHaveLength(line);
    await screenshot('syntax-error');
    await page.click('#reset');

    await page.click('nav button[data-program="new-program"]');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.textContent('#title')).toBe('New program');
    expect(await page.inputValue('#code-input')).toContain("console.log('all done');");
    // A program of one's own (the server test runs the template itself): a thread and a process
    // die holding a Lock, which is taken over; then an error nobody catches.
    const own = `${readFileSync(fileURLToPath(new URL('./fixtures/abandoned-lock.ts', import.meta.url)), 'utf8')}throw new Error('on purpose');\n`;
    await page.fill('#code-input', own);
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 90_000 });
    expect(await page.getAttribute('body', 'data-exit-code')).toBe('1');
    expect(await page.textContent('#output')).toContain('after the process: true');
    expect(await page.textContent('#timeline g.lane[data-label="quitter"] .mark-abandoned title')).toMatch(/^abandoned Lock 'held': its holder died \(holder exited\) at \d+ ms$/);
    expect(await page.textContent('#timeline g.lane[data-label^="doomed"] .mark-abandoned title')).toMatch(/^abandoned Lock 'held': its holder died \(process ended\) at \d+ ms$/);
    expect(await page.textContent('#problems .problem-error')).toBe(`line ${own.split('\n').length - 1}:7uncaughtError: on purpose`);
    await screenshot('new-program');
    await page.click('#reset');
  });

  it('stops a running program, stays healthy and runs it again', async () => {
    await open('door-card');
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
