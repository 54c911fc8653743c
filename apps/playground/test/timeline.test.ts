// The page's timeline model (web/timeline.js), fed with the trace of real runs and, for
// the cases no program produces on demand, with events shaped as the packages publish them.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTimeline } from '../web/timeline.js';
import { findProgram, type ProgramInfo } from '../src/programs.js';
import { startRun, type RunMessage } from '../src/runner.js';

async function traceOf(program: ProgramInfo): Promise<{ events: Record<string, unknown>[]; stdout: string; code: number | null }> {
  const events: Record<string, unknown>[] = [];
  let stdout = '';
  let code: number | null = null;
  const run = startRun(program, (message: RunMessage) => {
    if (message.type === 'trace') events.push(...message.events);
    else if (message.type === 'stdout') stdout += message.text;
    else if (message.type === 'exit') code = message.code;
  });
  await run.done;
  return { events, stdout, code };
}

describe('the timeline of real runs', () => {
  it('draws a Condition wait as a waiting span named after the condition', async () => {
    const path = fileURLToPath(new URL('./fixtures/condition-wait.ts', import.meta.url));
    const { events, stdout, code } = await traceOf({ name: 'condition-wait', title: '', summary: '', python: '', path });
    expect(code).toBe(0);
    expect(stdout).toContain('woken');
    const timeline = createTimeline();
    for (const event of events) timeline.add(event);
    const lanes = timeline.snapshot();
    const waiter = lanes.find((lane) => lane.label === 'waiter')!;
    expect(waiter).toBeDefined();
    const waits = waiter.spans.filter((span) => span.kind === 'waiting');
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]!.text).toBe("waiting on Condition 'ready'");
    // The main thread slept 800 ms before notifying: the wait lasted until then.
    const last = waits.at(-1)!;
    expect(last.to! - waits[0]!.from).toBeGreaterThan(300);
    const main = lanes.find((lane) => lane.label === 'MainThread')!;
    expect(main.marks.some((m) => m.type === 'notify' && m.text === "notify Condition 'ready'")).toBe(true);
    expect(main.spans.some((span) => span.kind === 'sleeping' && span.to! - span.from >= 700)).toBe(true);
    // Every span is closed once the program ended.
    for (const lane of lanes) for (const span of lane.spans) expect(span.to).toBeDefined();
  });

  it('draws what child processes do through the parent\'s Lock on their own lanes', async () => {
    const { events, stdout, code } = await traceOf(findProgram('process-lock')!);
    expect(code).toBe(0);
    expect(stdout.match(/^hello world \d$/gm)).toHaveLength(5);
    const timeline = createTimeline();
    for (const event of events) timeline.add(event);
    const lanes = timeline.snapshot();
    const children = lanes.filter((lane) => /^Process-\d \(pid \d+\)$/.test(lane.label));
    expect(children).toHaveLength(5);
    for (const child of children) {
      const marks = child.marks.map((m) => m.text);
      expect(marks).toContain("acquire Lock 'print'");
      expect(marks).toContain("release Lock 'print'");
      expect(marks.indexOf("acquire Lock 'print'")).toBeLessThan(marks.indexOf("release Lock 'print'"));
    }
    // Nothing lands on lanes of its own: every event of a child is on the child's lane.
    expect(lanes).toHaveLength(6);
  });

  it('gives the Pool a lane per worker, tasks handed out and results taken', async () => {
    const { events, stdout, code } = await traceOf(findProgram('pool-apply-async')!);
    expect(code).toBe(0);
    expect(stdout).toContain('-->exec done: 109');
    const timeline = createTimeline();
    for (const event of events) timeline.add(event);
    const lanes = timeline.snapshot();
    expect(lanes.map((lane) => lane.label)).toEqual(expect.arrayContaining(['MainThread', 'Pool worker 1 (process)', 'Pool worker 2 (process)', 'Pool worker 3 (process)']));
    const workers = lanes.filter((lane) => lane.label.startsWith('Pool worker'));
    expect(workers.flatMap((lane) => lane.spans).filter((span) => span.kind === 'busy').length).toBeGreaterThanOrEqual(3);
    const marks = workers.flatMap((lane) => lane.marks);
    expect(marks.filter((m) => m.type === 'put').length).toBeGreaterThanOrEqual(3);
    expect(marks.filter((m) => m.type === 'get').length).toBeGreaterThanOrEqual(3);
  });

  it('draws a lock abandoned by a thread and by a process that died holding it', async () => {
    const path = fileURLToPath(new URL('./fixtures/abandoned-lock.ts', import.meta.url));
    const { events, stdout, code } = await traceOf({ name: 'abandoned-lock', title: '', summary: '', python: '', path });
    expect(code).toBe(0);
    expect(stdout).toBe('after the thread: true\nafter the process: true\n');
    const timeline = createTimeline();
    for (const event of events) timeline.add(event);
    const lanes = timeline.snapshot();
    const abandoned = (label: RegExp) => lanes.find((lane) => label.test(lane.label))!.marks.filter((m) => m.type === 'abandoned').map((m) => m.text);
    expect(abandoned(/^quitter$/)).toEqual(["abandoned Lock 'held': its holder died (holder exited)"]);
    expect(abandoned(/^MainThread$/)).toEqual(["took over Lock 'held', abandoned by quitter (holder exited)"]);
    expect(abandoned(/^doomed \(pid \d+\)$/)).toEqual(["abandoned Lock 'held': its holder died (process ended)"]);
    // The parent's broker, which released the dead process's lock, has no lane.
    expect(lanes.map((lane) => lane.label)).toEqual(['MainThread', 'quitter', expect.stringMatching(/^doomed \(pid \d+\)$/)]);
  });

  it('gives a Pool on Redis a lane per conc-worker process that ran its tasks, and one for its queue', async () => {
    const { events, stdout, code } = await traceOf(findProgram('pool-redis')!);
    expect(code).toBe(0);
    const timeline = createTimeline();
    for (const event of events) timeline.add(event);
    const lanes = timeline.snapshot();
    const workers = lanes.filter((lane) => /^Pool worker .+:\d+ \(process\)$/.test(lane.label));
    // Without redis-server the program says so and draws no pool.
    if (stdout.includes('redis-server is not installed')) return expect(workers).toEqual([]);
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(worker.marks.some((m) => m.type === 'get')).toBe(true);
    const queue = lanes.find((lane) => lane.marks.some((m) => m.type === 'put'))!;
    expect(queue.spans.some((span) => span.kind === 'busy' && span.to !== undefined)).toBe(true);
  });

  it('gives the unsynchronised counter a lane per thread and no lock marks', async () => {
    const { events, code } = await traceOf(findProgram('counter-race')!);
    expect(code).toBe(0);
    const timeline = createTimeline();
    for (const event of events) timeline.add(event);
    const lanes = timeline.snapshot();
    expect(lanes.map((lane) => lane.label)).toEqual(['MainThread', 'Thread-1', 'Thread-2', 'Thread-3', 'Thread-4']);
    for (const lane of lanes.slice(1)) {
      expect(lane.spans).toHaveLength(1);
      expect(lane.spans[0]!.kind).toBe('running');
    }
  });
});

describe('the timeline model', () => {
  const at = 1_000_000;
  it('puts a process\'s own threads on its lane and keeps pool worker names', () => {
    const timeline = createTimeline();
    timeline.add({ type: 'begin', kind: 'Program', id: 0, thread: 1, at, name: 'MainThread' });
    timeline.add({ type: 'start', kind: 'Process', id: 4242, identity: 65537, thread: 1, at: at + 10, name: 'Process-1', pid: 4242 });
    timeline.add({ type: 'sleep', kind: 'time', id: 0, thread: 65537, at: at + 20, ms: 5 });
    timeline.add({ type: 'awake', kind: 'time', id: 0, thread: 65537, at: at + 25 });
    timeline.add({ type: 'start', kind: 'Pool', id: 1, thread: 1, at: at + 30, worker: 1, workerKind: 'process' });
    timeline.add({ type: 'put', kind: 'Pool', id: 1, thread: 1, at: at + 31, worker: 1, tasks: 2 });
    timeline.add({ type: 'get', kind: 'Pool', id: 1, thread: 1, at: at + 41, worker: 1, tasks: 2 });
    timeline.add({ type: 'exit', kind: 'Process', id: 4242, thread: 1, at: at + 50, name: 'Process-1' });
    timeline.add({ type: 'end', kind: 'Program', id: 0, thread: 1, at: at + 60 });
    const lanes = timeline.snapshot();
    expect(lanes.map((lane) => lane.label)).toEqual(['MainThread', 'Process-1 (pid 4242)', 'Pool worker 1 (process)']);
    expect(lanes[1]!.spans.map((span) => [span.kind, span.from, span.to])).toEqual([['running', 10, 50], ['sleeping', 20, 25]]);
    expect(lanes[2]!.spans.map((span) => [span.kind, span.from, span.to])).toEqual([['running', 30, 60], ['busy', 31, 41]]);
    expect(lanes[2]!.marks.map((m) => m.type)).toEqual(['put', 'get']);
  });

  it('marks an abandoned lock on the dead holder\'s lane and on the lane of the thread that took it over', () => {
    // Shaped as @conc/core documents the event (trace.ts): `thread` took the lock over from `holder`.
    const timeline = createTimeline();
    timeline.add({ type: 'begin', kind: 'Program', id: 0, thread: 1, at, name: 'MainThread' });
    timeline.add({ type: 'label', kind: '@conc/sync:Lock', id: 9, thread: 1, at, name: 'balance' });
    timeline.add({ type: 'start', kind: 'Thread', id: 2, thread: 1, at: at + 1, name: 'doomed' });
    timeline.add({ type: 'start', kind: 'Thread', id: 3, thread: 1, at: at + 1, name: 'heir' });
    timeline.add({ type: 'acquire', kind: 'Lock', id: 9, thread: 2, at: at + 2 });
    timeline.add({ type: 'wait', kind: 'Lock', id: 9, thread: 3, at: at + 3 });
    timeline.add({ type: 'exit', kind: 'Thread', id: 2, thread: 1, at: at + 4, name: 'doomed' });
    timeline.add({ type: 'abandoned', kind: 'Lock', id: 9, thread: 3, at: at + 5, holder: 2, reason: 'holder exited' });
    timeline.add({ type: 'acquire', kind: 'Lock', id: 9, thread: 3, at: at + 5 });
    // A child process's lock released by the broker, whose thread has no lane of its own.
    timeline.add({ type: 'start', kind: 'Process', id: 777, thread: 1, at: at + 6, name: 'Process-1', pid: 777, identity: 1048577 });
    timeline.add({ type: 'abandoned', kind: 'Lock', id: 9, thread: 5, at: at + 8, holder: 1048577, reason: 'process ended' });
    timeline.add({ type: 'end', kind: 'Program', id: 0, thread: 1, at: at + 10 });
    const lanes = timeline.snapshot();
    expect(lanes.map((lane) => lane.label)).toEqual(['MainThread', 'doomed', 'heir', 'Process-1 (pid 777)']);
    const byLabel = (label: string) => lanes.find((lane) => lane.label === label)!;
    expect(byLabel('doomed').marks.filter((m) => m.type === 'abandoned')).toEqual([
      { type: 'abandoned', at: 5, text: "abandoned Lock 'balance': its holder died (holder exited)" },
    ]);
    expect(byLabel('heir').marks.map((m) => m.text)).toEqual(["took over Lock 'balance', abandoned by doomed (holder exited)", "acquire Lock 'balance'"]);
    expect(byLabel('heir').spans.find((span) => span.kind === 'waiting')).toMatchObject({ from: 3, to: 5 });
    expect(byLabel('Process-1 (pid 777)').marks).toEqual([{ type: 'abandoned', at: 8, text: "abandoned Lock 'balance': its holder died (process ended)" }]);
  });

  it('closes a wait at the thread\'s next event and names objects by their labels', () => {
    const timeline = createTimeline();
    timeline.add({ type: 'begin', kind: 'Program', id: 0, thread: 1, at, name: 'MainThread' });
    timeline.add({ type: 'label', kind: '@conc/queue:Queue', id: 7, thread: 1, at, name: 'jobs' });
    timeline.add({ type: 'wait', kind: '_Queue', id: 7, thread: 1, at: at + 5 });
    timeline.add({ type: 'get', kind: '_Queue', id: 7, thread: 1, at: at + 9 });
    timeline.add({ type: 'truncated', kind: 'Program', id: 0, thread: 1, at: at + 10 });
    const [main] = timeline.snapshot();
    expect(main!.spans.find((span) => span.kind === 'waiting')).toEqual({ kind: 'waiting', from: 5, to: 9, text: "waiting on Queue 'jobs'" });
    expect(main!.marks).toEqual([{ type: 'get', at: 9, text: "get Queue 'jobs'" }]);
    expect(timeline.truncated).toBe(true);
  });
});
