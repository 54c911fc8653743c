// The problems of a run, listed beside the code: what TypeScript found (a syntax error stops the
// run; type errors do not, as tsx runs the program regardless, the same as in the terminal) and
// the errors the program raised and did not catch, located in the edited text when the stack
// names it.

/**
 * @typedef {{ severity: 'error' | 'warning', kind: string, line?: number, column?: number, message: string }} Problem
 */

/**
 * @param {'syntax' | 'types'} check
 * @param {{ line: number, column: number, code: number, message: string }[]} diagnostics
 * @returns {Problem[]}
 */
export function fromDiagnostics(check, diagnostics) {
  return diagnostics.map((d) => ({
    severity: check === 'syntax' ? 'error' : 'warning',
    kind: check === 'syntax' ? `syntax error TS${d.code}` : `type error TS${d.code}`,
    line: d.line,
    column: d.column,
    message: d.message,
  }));
}

/**
 * Finds the uncaught errors in what a program wrote to stderr: @conc's report of a thread's or
 * a process's ("Exception in thread ...:", "Process ...:"), and, once the program `failed`
 * (exited with an error), Node's report of the main thread's; each with the first place in
 * `file` its stack names. (An error message the program merely printed is not a problem.)
 * @param {string} stderr
 * @param {string} file - The edited program's name as the server shows it (`counter-lock.ts`).
 * @param {boolean} failed - Whether the program ended with a non-zero exit code.
 * @returns {Problem[]}
 */
export function fromStderr(stderr, file, failed) {
  const problems = [];
  const lines = stderr.split('\n');
  const at = new RegExp(`(?:^|[\\s(/])${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)(?::(\\d+))?`);
  let context = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^(Exception in thread .*|Process .*):$/.test(line)) context = line.slice(0, -1);
    const error = /^(?:Uncaught )?([A-Z][\w$]*(?:Error|Exception)|Error)(?: \[[\w]+\])?: (.*)$/.exec(line);
    if (!error || (!context && !failed)) continue;
    const problem = { severity: 'error', kind: context ? `uncaught, ${context.replace(/^Exception in /, 'in ')}` : 'uncaught', message: `${error[1]}: ${error[2]}` };
    // The stack follows the message: its first frame in the program locates it.
    for (let j = i + 1; j < lines.length && /^\s+at |^\s*$/.test(lines[j]); j++) {
      const where = at.exec(lines[j]);
      if (where) {
        problem.line = Number(where[1]);
        problem.column = where[2] === undefined ? undefined : Number(where[2]);
        break;
      }
    }
    problems.push(problem);
    context = '';
  }
  return problems;
}

/**
 * Lists `problems` in `list`; choosing one calls `onPick(line, column)`.
 * @param {HTMLElement} list
 * @param {Problem[]} problems
 * @param {(line: number, column?: number) => void} onPick
 */
export function renderProblems(list, problems, onPick) {
  list.replaceChildren(...problems.map((problem) => {
    const item = document.createElement('li');
    item.className = `problem problem-${problem.severity}`;
    const where = document.createElement(problem.line ? 'button' : 'span');
    where.className = 'problem-where';
    where.textContent = problem.line ? `line ${problem.line}${problem.column ? `:${problem.column}` : ''}` : '—';
    if (problem.line) {
      where.type = 'button';
      where.addEventListener('click', () => onPick(problem.line, problem.column));
    }
    const kind = document.createElement('span');
    kind.className = 'problem-kind';
    kind.textContent = problem.kind;
    const message = document.createElement('span');
    message.className = 'problem-message';
    message.textContent = problem.message;
    item.append(where, kind, message);
    return item;
  }));
  list.hidden = problems.length === 0;
}
