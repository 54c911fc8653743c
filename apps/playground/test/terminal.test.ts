// Terminal mode as a person uses it: `npm start -- --list` and `npm start -- run <name>` of
// every program, each run for real, checked for the shape of its output.
import { describe, expect, it } from 'vitest';
import { listPrograms } from '../src/programs.js';
import { cli } from './helpers.js';

/** What each program must print (in this order), and any check of the figures. */
const expected: Record<string, { lines: RegExp[]; check?: (stdout: string) => void }> = {
  'thread-call': { lines: [/task t\d/, /task t\d done/, /both threads ended/] },
  'thread-subclass': { lines: [/running task t\d/, /task t\d done/, /Thread-1 and Thread-2 ended/] },
  'join-daemon': {
    lines: [/task done \d/, /all joined after/, /main thread done/],
    check: (stdout) => expect(stdout).not.toMatch(/task done daemon/),
  },
  'counter-race': {
    lines: [/expected 800000, got \d+/],
    check: (stdout) => {
      const [, got, lost] = /got (\d+): (\d+) updates lost/.exec(stdout)!;
      expect(Number(got) + Number(lost)).toBe(800000);
      expect(Number(got)).toBeGreaterThan(0);
    },
  },
  'counter-lock': { lines: [/expected 8000, got 8000$/m] },
  rlock: {
    lines: [/between first and second/, /^3 3$/m, /num 3 num2 3/],
  },
  'bounded-semaphore': {
    lines: [/run the thread: \d/, /----all threads done---/, /one release too many: .*BoundedSemaphore/],
    check: (stdout) => expect(stdout.match(/run the thread: \d/g)).toHaveLength(10),
  },
  timer: { lines: [/hello, world/, /the timer fired; the cancelled one did not/], check: (stdout) => expect(stdout).not.toMatch(/nobody/) },
  'traffic-light': {
    lines: [/green light/, /red light/, /sees red light, waiting/, /green light is on, start going/, /arrived/],
    check: (stdout) => expect(stdout.match(/arrived/g)).toHaveLength(2),
  },
  'door-card': { lines: [/staff No.\d swiped the card/, /door opening/, /staff No.3 arrived/, /everyone is in/] },
  'producer-consumer': {
    lines: [/Alex produced bone 1/, /got \[bone 8\] and ate it/, /no more bones/],
    check: (stdout) => expect(stdout.match(/and ate it/g)).toHaveLength(8),
  },
  'producer-consumer-join': {
    lines: [/the chef made 6 buns/, /eats bun 5/, /all buns eaten: the batch is over/],
    check: (stdout) => expect(stdout.match(/ eats bun/g)).toHaveLength(6),
  },
  'process-info': {
    lines: [/main line/, /process name: MainProcess/, /function f/, /process name: Process-1/, /hello bob/, /the child \d+ exited with 0/],
    check: (stdout) => {
      const [main, child] = [...stdout.matchAll(/process id: (\d+)/g)].map((m) => m[1]);
      const parents = [...stdout.matchAll(/parent process: (\d+)/g)].map((m) => m[1]);
      expect(parents[1]).toBe(main);
      expect(stdout).toContain(`the child ${child} exited with 0`);
    },
  },
  'process-queue': { lines: [/got from the child: \[ 42, null, 'hello' \]/] },
  'process-pipe': { lines: [/parent received: hello from child/, /child received: hello from parent/] },
  'manager-dict-list': {
    lines: [/^dict: Map\(7\) \{ 1 => '1', '2' => 2, 0\.25 => null(, (\d+) => \2){4} \}$/m, /^list: \[0, 1, 2, 3, 4(, \d+){4}\]$/m],
  },
  'process-lock': { lines: [/hello world \d/], check: (stdout) => expect(stdout.match(/^hello world \d$/gm)).toHaveLength(5) },
  'executor-as-completed': {
    lines: [/'https:\/\/python\.org\/' page is 19000 bytes/, /'https:\/\/example\.com\/' page is 20000 bytes/, /^all downloads done$/m],
    check: (stdout) => {
      expect(stdout.match(/page is \d+ bytes/g)).toHaveLength(4);
      expect(stdout).toMatch(/'https:\/\/example\.com\/missing' generated an exception: HTTP Error 404/);
    },
  },
  'pool-redis': {
    lines: [/Redis at redis:\/\/127\.0\.0\.1:\d+; workers \d+ and \d+ serve the queue/, /^7 squared is 49 \(worker \d+\)$/m, /^2 workers ran the 8 tasks$/m],
    check: (stdout) => expect(stdout.match(/squared is/g)).toHaveLength(8),
  },
  'pool-apply-async': {
    lines: [/main process \d+/, /in process \d+/, /-->exec done: 1\d\d \d+/, /^end$/m],
    check: (stdout) => {
      const done = [...stdout.matchAll(/-->exec done: (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
      expect(done).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    },
  },
};

describe('npm start -- --list', () => {
  it('lists every program with its title', async () => {
    const { code, stdout } = await cli(['--list']);
    expect(code).toBe(0);
    const programs = listPrograms();
    expect(programs.length).toBeGreaterThanOrEqual(13);
    for (const program of programs) expect(stdout).toMatch(new RegExp(`^${program.name}\\s+${program.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  it('refuses an unknown program, a bad port and a bad time limit with exit code 2', async () => {
    const unknown = await cli(['run', 'no-such-program']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no program named 'no-such-program'/);
    const port = await cli(['--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port\/PORT must be an integer/);
    const limit = await cli(['--time-limit', '0']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toMatch(/--time-limit must be a positive number of seconds/);
  });
});

describe('every program has a header and an expected output here', () => {
  it.each(listPrograms().map((p) => [p.name, p] as const))('%s', (name, program) => {
    expect(program.title).not.toBe(name);
    expect(program.summary.length).toBeGreaterThan(40);
    expect(program.python).toMatch(/import /);
    expect(expected[name], `no expected output for ${name}`).toBeDefined();
  });
});

describe.concurrent('npm start -- run <name>', () => {
  for (const program of listPrograms()) {
    it(program.name, async () => {
      const { code, stdout, stderr } = await cli(['run', program.name]);
      expect(code, `stderr: ${stderr}`).toBe(0);
      expect(stdout.split('\n')[0]).toBe(`== ${program.title} (${program.name})`);
      const shape = expected[program.name]!;
      let from = 0;
      for (const line of shape.lines) {
        const match = line.exec(stdout.slice(from));
        expect(match, `${line} after offset ${from} in:\n${stdout}`).not.toBeNull();
        from += match!.index;
      }
      shape.check?.(stdout);
    });
  }
});
