// The timeline of a run: trace events in, lanes with spans and marks out, drawn as SVG.
//
// A lane per thread (events carry the thread's identity; `start` events of Thread and Process
// name them; a process's lane holds its main thread's events, also the operations it does
// through the parent's objects, which the parent's broker traces as the child's) and per pool
// worker. Spans: running (a thread's life), running a task (a pool
// worker between handing out tasks and getting results), waiting (from a `wait` event to the
// next event of that thread), sleeping (the programs' sleep helper). Every other event is a
// mark on its thread's lane, named after the object (`label` events name objects by id); an
// `abandoned` lock (its holder died) is marked on the holder's lane and the taker's.

const SVG = 'http://www.w3.org/2000/svg';
const LANE_HEIGHT = 34;
const GUTTER = 170;
const TOP = 22;
const MARK_TYPES = new Set(['acquire', 'release', 'set', 'clear', 'notify', 'wake', 'put', 'get', 'abandoned']);

export function createTimeline() {
  const lanes = new Map();
  const labels = new Map();
  // A child process's threads have identities of their own; a Process start event naming the
  // identity of the process's main thread (`identity`) puts its events on the process's lane.
  const aliases = new Map();
  let t0 = undefined;
  let end = undefined;
  let lastAt = undefined;
  let truncated = false;

  function lane(key, label) {
    key = aliases.get(key) ?? key;
    let found = lanes.get(key);
    if (!found) {
      found = { key, label: label ?? (typeof key === 'number' ? `thread ${key}` : String(key)), spans: [], marks: [], open: {} };
      lanes.set(key, found);
    } else if (label) {
      found.label = label;
    }
    return found;
  }

  function open(target, kind, at, text) {
    close(target, kind, at);
    const span = { kind, from: at, to: undefined, text };
    target.open[kind] = span;
    target.spans.push(span);
  }

  function close(target, kind, at) {
    const span = target.open[kind];
    if (span) {
      span.to = at;
      delete target.open[kind];
    }
  }

  function objectName(event) {
    const name = labels.get(event.id);
    // A bundler may rename a class (`_Queue`): show the name the program wrote.
    const kind = String(event.kind).replace(/^_/, '');
    return name === undefined ? kind : `${kind} '${name}'`;
  }

  function add(event) {
    const at = event.at;
    if (t0 === undefined) t0 = at;
    lastAt = lastAt === undefined ? at : Math.max(lastAt, at);
    const here = () => lane(event.thread);
    switch (event.type) {
      case 'begin':
        t0 = at;
        open(lane(event.thread, event.name), 'running', at);
        return;
      case 'end':
        end = at;
        for (const each of lanes.values()) for (const kind of Object.keys(each.open)) close(each, kind, at);
        return;
      case 'truncated':
        truncated = true;
        return;
      case 'label':
        labels.set(event.id, event.name);
        return;
      case 'sleep':
        open(here(), 'sleeping', at, `sleep ${event.ms} ms`);
        return;
      case 'awake':
        close(here(), 'sleeping', at);
        return;
      case 'wait':
        open(here(), 'waiting', at, `waiting on ${objectName(event)}`);
        return;
      case 'abandoned':
        addAbandoned(event, at);
        return;
      default:
        break;
    }
    if (event.kind === 'Pool') return addPool(event, at);
    if ((event.type === 'start' || event.type === 'exit') && typeof event.name === 'string') {
      // A process's lane is keyed apart from threads' (a pid may equal a thread identity).
      const key = event.kind === 'Process' ? `process-${event.id}` : event.id;
      if (typeof event.identity === 'number') aliases.set(event.identity, key);
      const name = event.kind === 'Process' && typeof event.pid === 'number' ? `${event.name} (pid ${event.pid})` : event.name;
      // The start names the lane; an exit only names one it never saw start.
      const child = event.type === 'start' || !lanes.has(key) ? lane(key, name) : lane(key);
      if (event.type === 'start') open(child, 'running', at);
      else for (const kind of Object.keys(child.open)) close(child, kind, at);
      mark(here(), event, at, `${event.type} ${event.name}`);
      return;
    }
    const target = here();
    close(target, 'waiting', at);
    mark(target, event, at, `${event.type} ${objectName(event)}`);
  }

  // A lock whose holder died, taken over (or, for a child process, released by the parent's
  // broker): marked on the dead holder's lane, and on the lane of the thread that took it over
  // when that is one of the program's (the broker's thread has no lane).
  function addAbandoned(event, at) {
    const known = (identity) => lanes.get(aliases.get(identity) ?? identity);
    const holder = typeof event.holder === 'number' ? known(event.holder) : undefined;
    const taker = known(event.thread);
    const why = event.reason ? ` (${event.reason})` : '';
    const what = objectName(event);
    if (holder) mark(holder, event, at, `abandoned ${what}: its holder died${why}`);
    if (taker && taker !== holder) {
      mark(taker, event, at, `took over ${what}, abandoned by ${holder?.label ?? `thread ${event.holder}`}${why}`);
    }
    if (!holder && !taker) mark(lane(event.thread), event, at, `abandoned ${what}${why}`);
  }

  function addPool(event, at) {
    const named = event.type === 'start' ? `Pool worker ${event.worker}${event.workerKind === 'process' ? ' (process)' : ''}` : undefined;
    const target = lane(`pool-${event.id}-${event.worker}`, named);
    if (event.type === 'start') open(target, 'running', at);
    else if (event.type === 'exit') for (const kind of Object.keys(target.open)) close(target, kind, at);
    else if (event.type === 'put') {
      if (!target.open.busy) open(target, 'busy', at, 'task');
      mark(target, event, at, `put ${event.tasks} task(s) to worker ${event.worker}`);
    } else if (event.type === 'get') {
      close(target, 'busy', at);
      mark(target, event, at, `get ${event.tasks} result(s) from worker ${event.worker}`);
    } else mark(target, event, at, `${event.type} Pool`);
  }

  function mark(target, event, at, text) {
    target.marks.push({ type: MARK_TYPES.has(event.type) ? event.type : 'other', at, text });
  }

  function render(svg, now) {
    const width = Math.max(svg.clientWidth || svg.parentElement.clientWidth || 800, 400);
    const rows = [...lanes.values()];
    const height = TOP + rows.length * LANE_HEIGHT + 6;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('height', String(height));
    svg.replaceChildren();
    if (t0 === undefined) return;
    const last = end ?? Math.max(lastAt ?? t0, now ?? 0);
    const duration = Math.max(last - t0, 100);
    const scale = (width - GUTTER - 10) / duration;
    const x = (at) => GUTTER + (at - t0) * scale;

    const axis = el('g', { class: 'axis' });
    const step = niceStep(duration / 8);
    for (let t = 0; t <= duration; t += step) {
      axis.append(el('line', { x1: x(t0 + t), x2: x(t0 + t), y1: TOP - 4, y2: height }));
      axis.append(text(x(t0 + t) + 2, TOP - 8, step >= 1000 ? `${t / 1000} s` : `${Math.round(t)} ms`));
    }
    svg.append(axis);

    rows.forEach((row, index) => {
      const y = TOP + index * LANE_HEIGHT;
      const g = el('g', { class: 'lane', 'data-lane': String(row.key), 'data-label': row.label });
      g.append(el('rect', { class: 'lane-bg', x: 0, y: y + 2, width, height: LANE_HEIGHT - 4 }));
      g.append(text(8, y + LANE_HEIGHT / 2 + 4, row.label, 'lane-label'));
      const order = { running: 0, busy: 1, sleeping: 2, waiting: 3 };
      const spans = [...row.spans].sort((a, b) => order[a.kind] - order[b.kind]);
      for (const span of spans) {
        const from = x(span.from);
        const to = x(span.to ?? last);
        const inset = span.kind === 'running' ? 6 : 10;
        const rect = el('rect', {
          class: `span span-${span.kind}`, x: from, y: y + inset, width: Math.max(to - from, 1.5), height: LANE_HEIGHT - 2 * inset, rx: 2,
        });
        rect.append(title(`${span.text ?? span.kind}: ${Math.round(span.from - t0)}–${Math.round((span.to ?? last) - t0)} ms`));
        g.append(rect);
        if (span.text && to - from > span.text.length * 5.6 + 6) g.append(text(from + 3, y + LANE_HEIGHT / 2 + 3.5, span.text, 'span-text'));
      }
      // Marks closer than a pixel are drawn once, with how many they are.
      const drawn = new Map();
      for (const m of row.marks) {
        const mx = Math.round(x(m.at));
        const key = `${mx}:${m.type}`;
        const seen = drawn.get(key);
        if (seen) {
          seen.count++;
          seen.title.textContent = `${seen.text} ×${seen.count} around ${Math.round(m.at - t0)} ms`;
          continue;
        }
        const path = el('path', { class: `mark mark-${m.type}`, d: `M${mx} ${y + 3} L${mx} ${y + LANE_HEIGHT - 3} M${mx - 3} ${y + 3} L${mx + 3} ${y + 3}` });
        const label = title(`${m.text} at ${Math.round(m.at - t0)} ms`);
        path.append(label);
        g.append(path);
        drawn.set(key, { count: 1, title: label, text: m.text });
      }
      svg.append(g);
    });
  }

  // Plain data of the lanes, times relative to the start: what the tests look at.
  function snapshot() {
    return [...lanes.values()].map((row) => ({
      key: row.key,
      label: row.label,
      spans: row.spans.map((span) => ({ kind: span.kind, from: span.from - t0, to: span.to === undefined ? undefined : span.to - t0, text: span.text })),
      marks: row.marks.map((m) => ({ type: m.type, at: m.at - t0, text: m.text })),
    }));
  }

  return {
    add,
    render,
    snapshot,
    get laneCount() { return lanes.size; },
    get truncated() { return truncated; },
    get started() { return t0 !== undefined; },
  };
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function el(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function text(x, y, content, className) {
  const node = el('text', className ? { x, y, class: className } : { x, y });
  node.textContent = content;
  return node;
}

function title(content) {
  const node = document.createElementNS(SVG, 'title');
  node.textContent = content;
  return node;
}
