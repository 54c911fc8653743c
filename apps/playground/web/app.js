// The playground page: lists the programs, shows the chosen one in an editor, runs the edited
// text on the server (its output, problems and trace events stream back) and draws the
// timeline live. Edits are kept in the browser (localStorage) until Reset.
import { createTimeline } from './timeline.js';
import { createEditor } from './editor.js';
import { highlight } from './highlight.js';
import { fromDiagnostics, fromStderr, renderProblems } from './problems.js';
import { runStream } from './run-stream.js';

const $ = (id) => document.getElementById(id);
const nav = $('programs');
const runButton = $('run');
const stopButton = $('stop');
const resetButton = $('reset');
const status = $('status');
const output = $('output');
const svg = $('timeline');
const problemList = $('problems');
const NEW = 'new-program';

let current = undefined;
let session = undefined;
// Edits outlive a reload; a browser that refuses storage (a private window) keeps them for the
// page's life only.
const unsaved = new Map();

const editor = createEditor($('editor'), {
  label: 'The program (TypeScript), editable',
  onChange: () => {
    if (!current) return;
    const edited = editor.value !== current.source;
    keep(current.name, edited ? editor.value : null);
    showEdited(edited);
  },
  onRun: () => {
    if (!runButton.disabled) start();
  },
});

const programs = await (await fetch('/api/programs')).json();
for (const program of programs) nav.append(programButton(program.name, program.title, program.name, program.summary));
nav.append(programButton(NEW, '+ New program', 'from a template', 'Start a program of your own from a small template'));

runButton.addEventListener('click', () => start());
stopButton.addEventListener('click', () => void stop());
resetButton.addEventListener('click', () => {
  if (!current) return;
  keep(current.name, null);
  editor.value = current.source;
  showEdited(false);
  showProblems([]);
  editor.focus();
});
window.addEventListener('resize', () => session?.draw());

// A program can be linked to: /#traffic-light.
const known = (name) => name === NEW || programs.some((p) => p.name === name);
window.addEventListener('hashchange', () => {
  const name = location.hash.slice(1);
  if (name !== current?.name && known(name)) void choose(name);
});
const wanted = location.hash.slice(1);
if (wanted && known(wanted)) await choose(wanted);

function programButton(name, title, small, summary) {
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.program = name;
  button.title = summary;
  button.append(title, Object.assign(document.createElement('small'), { textContent: small }));
  button.addEventListener('click', () => void choose(name));
  return button;
}

function keep(name, text) {
  const key = `@conc/playground:edited:${name}`;
  if (text === null) unsaved.delete(name);
  else unsaved.set(name, text);
  try {
    if (text === null) localStorage.removeItem(key);
    else localStorage.setItem(key, text);
  } catch {
    // Storage is off or full: the page's memory holds the edit.
  }
}

function kept(name) {
  try {
    return localStorage.getItem(`@conc/playground:edited:${name}`) ?? unsaved.get(name) ?? null;
  } catch {
    return unsaved.get(name) ?? null;
  }
}

async function choose(name) {
  // Closing a run's stream stops the run.
  session?.close();
  session = undefined;
  const program = await (await fetch(name === NEW ? '/api/template' : `/api/programs/${encodeURIComponent(name)}`)).json();
  current = program;
  history.replaceState(null, '', `#${name}`);
  for (const button of nav.querySelectorAll('button')) button.setAttribute('aria-current', String(button.dataset.program === name));
  $('title').textContent = program.title;
  $('summary').textContent = program.summary;
  const edit = kept(name);
  editor.value = edit ?? program.source;
  showEdited(edit !== null && edit !== program.source);
  highlight($('python'), program.python || '# no Python counterpart', 'python');
  output.replaceChildren();
  svg.replaceChildren();
  showProblems([]);
  $('timeline-note').textContent = '';
  status.textContent = '';
  runButton.disabled = false;
  stopButton.disabled = true;
  document.body.dataset.state = 'ready';
}

function showEdited(edited) {
  resetButton.disabled = !edited;
  $('edited').hidden = !edited;
}

function showProblems(problems) {
  editor.setProblems(problems);
  renderProblems(problemList, problems, (line, column) => editor.goTo(line, column));
}

function start() {
  if (!current) return;
  session?.close();
  const timeline = createTimeline();
  const program = current;
  const aborter = new AbortController();
  let drawPending = false;
  let lastEventLocal = performance.now();
  let lastEventAt = undefined;
  let stderr = '';
  let file = `${program.name}.ts`;
  let diagnostics = [];
  const me = {
    running: true,
    run: undefined,
    draw() {
      // While running, open spans grow with the clock of the page, anchored on the last event.
      const now = me.running && lastEventAt !== undefined ? lastEventAt + (performance.now() - lastEventLocal) : undefined;
      timeline.render(svg, now);
      $('timeline-note').textContent = timeline.truncated ? 'The program produced too many events: the timeline shows the first ones only.' : '';
    },
    close() {
      me.running = false;
      aborter.abort();
      clearInterval(ticker);
    },
  };
  session = me;
  const requestDraw = () => {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      if (session === me) me.draw();
    });
  };
  const ticker = setInterval(requestDraw, 100);
  let failed = false;
  const problems = () => [...diagnostics, ...fromStderr(stderr, file, failed)];
  output.replaceChildren();
  svg.replaceChildren();
  showProblems([]);
  $('timeline-note').textContent = '';
  runButton.disabled = true;
  stopButton.disabled = false;
  status.textContent = 'running…';
  document.body.dataset.state = 'running';
  delete document.body.dataset.exitCode;

  const handle = (data) => {
    switch (data.type) {
      case 'started':
        me.run = data.run;
        file = data.file;
        break;
      case 'stdout':
        append(data.text, 'stdout');
        break;
      case 'stderr':
        append(data.text, 'stderr');
        stderr += data.text;
        showProblems(problems());
        break;
      case 'diagnostics':
        diagnostics = [...diagnostics, ...fromDiagnostics(data.check, data.diagnostics)];
        showProblems(problems());
        break;
      case 'trace':
        for (const event of data.events) {
          timeline.add(event);
          lastEventAt = Math.max(lastEventAt ?? event.at, event.at);
        }
        lastEventLocal = performance.now();
        requestDraw();
        break;
      case 'exit': {
        me.close();
        const how = data.rejected
          ? (data.stopped ? 'stopped' : 'not run: fix the syntax error first')
          : data.timedOut ? 'stopped: the time limit was reached'
            : data.stopped ? 'stopped' : data.signal ? `killed by ${data.signal}` : `exited with code ${data.code}`;
        if (!data.rejected) append(`\n[${how}]\n`, 'exit');
        status.textContent = how;
        runButton.disabled = false;
        stopButton.disabled = true;
        failed = !data.rejected && !data.stopped && !data.timedOut && data.code !== 0;
        showProblems(problems());
        if (!data.rejected) me.draw();
        document.body.dataset.state = data.rejected ? 'rejected' : data.stopped || data.timedOut ? 'stopped' : 'done';
        document.body.dataset.exitCode = String(data.code);
        break;
      }
    }
  };

  void (async () => {
    try {
      for await (const data of runStream({ name: program.name, source: editor.value }, aborter.signal)) {
        if (session !== me) return;
        handle(data);
      }
      if (session === me && me.running) throw new Error('the server ended the run without a word');
    } catch (error) {
      if (session !== me || !me.running) return;
      me.close();
      status.textContent = `lost the connection to the server: ${error.message}`;
      runButton.disabled = false;
      stopButton.disabled = true;
      document.body.dataset.state = 'error';
    }
  })();
}

async function stop() {
  const me = session;
  if (!me?.running) return;
  stopButton.disabled = true;
  status.textContent = 'stopping…';
  // The server kills the program and then ends the stream with an exit message.
  if (me.run !== undefined) {
    await fetch(`/api/stop/${me.run}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  } else {
    me.close();
    status.textContent = 'stopped';
    runButton.disabled = false;
    document.body.dataset.state = 'stopped';
  }
}

function append(text, kind) {
  const span = document.createElement('span');
  span.className = kind;
  span.textContent = text;
  const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
  output.append(span);
  if (atBottom) output.scrollTop = output.scrollHeight;
}
