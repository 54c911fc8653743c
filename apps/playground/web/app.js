// The playground page: lists the programs, shows the chosen one, runs it on the server
// (Server-Sent Events bring its output and trace events) and draws the timeline live.
import { createTimeline } from './timeline.js';
import { highlight } from './highlight.js';

const $ = (id) => document.getElementById(id);
const nav = $('programs');
const runButton = $('run');
const stopButton = $('stop');
const status = $('status');
const output = $('output');
const svg = $('timeline');

let current = undefined;
let session = undefined;

const programs = await (await fetch('/api/programs')).json();
for (const program of programs) {
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.program = program.name;
  button.title = program.summary;
  button.append(program.title, Object.assign(document.createElement('small'), { textContent: program.name }));
  button.addEventListener('click', () => void choose(program.name));
  nav.append(button);
}

runButton.addEventListener('click', () => start());
stopButton.addEventListener('click', () => void stop());
window.addEventListener('resize', () => session?.draw());

// A program can be linked to: /#traffic-light.
window.addEventListener('hashchange', () => {
  const name = location.hash.slice(1);
  if (name !== current?.name && programs.some((p) => p.name === name)) void choose(name);
});
const wanted = location.hash.slice(1);
if (wanted && programs.some((p) => p.name === wanted)) await choose(wanted);

async function choose(name) {
  if (session?.running) await stop();
  const program = await (await fetch(`/api/programs/${encodeURIComponent(name)}`)).json();
  current = program;
  history.replaceState(null, '', `#${name}`);
  for (const button of nav.querySelectorAll('button')) button.setAttribute('aria-current', String(button.dataset.program === name));
  $('title').textContent = program.title;
  $('summary').textContent = program.summary;
  highlight($('source'), program.source, 'ts');
  highlight($('python'), program.python || '# no Python counterpart', 'python');
  output.replaceChildren();
  svg.replaceChildren();
  $('timeline-note').textContent = '';
  status.textContent = '';
  runButton.disabled = false;
  stopButton.disabled = true;
  document.body.dataset.state = 'ready';
}

function start() {
  if (!current) return;
  session?.close();
  const timeline = createTimeline();
  output.replaceChildren();
  $('timeline-note').textContent = '';
  const source = new EventSource(`/api/run/${encodeURIComponent(current.name)}`);
  let drawPending = false;
  let lastEventLocal = performance.now();
  let lastEventAt = undefined;
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
      source.close();
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
  runButton.disabled = true;
  stopButton.disabled = false;
  status.textContent = 'running…';
  document.body.dataset.state = 'running';

  source.onmessage = (message) => {
    if (session !== me) return;
    const data = JSON.parse(message.data);
    switch (data.type) {
      case 'started':
        me.run = data.run;
        break;
      case 'stdout':
      case 'stderr':
        append(data.text, data.type);
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
        const how = data.stopped ? 'stopped' : data.signal ? `killed by ${data.signal}` : `exited with code ${data.code}`;
        append(`\n[${how}]\n`, 'exit');
        status.textContent = how;
        runButton.disabled = false;
        stopButton.disabled = true;
        me.draw();
        document.body.dataset.state = data.stopped ? 'stopped' : 'done';
        document.body.dataset.exitCode = String(data.code);
        break;
      }
    }
  };
  source.onerror = () => {
    if (session !== me || !me.running) return;
    me.close();
    status.textContent = 'lost the connection to the server';
    runButton.disabled = false;
    stopButton.disabled = true;
    document.body.dataset.state = 'error';
  };
}

async function stop() {
  const me = session;
  if (!me?.running) return;
  stopButton.disabled = true;
  status.textContent = 'stopping…';
  // The server kills the program and then ends the stream with an exit message.
  if (me.run !== undefined) await fetch(`/api/stop/${me.run}`, { method: 'POST' });
  else me.close();
}

function append(text, kind) {
  const span = document.createElement('span');
  span.className = kind;
  span.textContent = text;
  const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
  output.append(span);
  if (atBottom) output.scrollTop = output.scrollHeight;
}
