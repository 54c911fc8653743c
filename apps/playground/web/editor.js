// The code editor of the page: a plain <textarea> (so typing, selection, undo, copy and paste
// are the browser's own) laid over a highlighted copy of its text, with line numbers and the
// lines that have problems marked. No dependency: the machine serving the page may have no
// network, and a program of the tutorial is a page long.
import { highlight } from './highlight.js';

const INDENT = '  ';

/**
 * Builds the editor inside `root`.
 * @param {HTMLElement} root
 * @param {{ label: string, onChange?: () => void, onRun?: () => void }} options
 */
export function createEditor(root, options) {
  root.classList.add('editor');
  const gutter = el('div', 'editor-gutter');
  const numbers = el('div', 'editor-numbers');
  gutter.append(numbers);
  gutter.setAttribute('aria-hidden', 'true');
  const body = el('div', 'editor-body');
  // What scrolls with the text: the highlighted copy and the marks of problem lines.
  const layer = el('div', 'editor-layer');
  const marks = el('div', 'editor-marks');
  const view = el('pre', 'editor-view');
  layer.append(marks, view);
  layer.setAttribute('aria-hidden', 'true');
  const input = document.createElement('textarea');
  input.className = 'editor-input';
  input.id = 'code-input';
  input.spellcheck = false;
  input.wrap = 'off';
  input.setAttribute('autocomplete', 'off');
  input.setAttribute('autocapitalize', 'off');
  input.setAttribute('aria-label', options.label);
  input.title = 'Tab indents; Esc then Tab leaves the editor; Ctrl+Enter runs';
  body.append(layer, input);
  root.replaceChildren(gutter, body);

  let problems = [];
  let lineCount = 0;

  function render() {
    highlight(view, input.value, 'ts');
    const lines = input.value.split('\n').length;
    if (lines !== lineCount) {
      lineCount = lines;
      numbers.replaceChildren(...Array.from({ length: lines }, (_, i) => el('div', 'editor-number', String(i + 1))));
    }
    for (const number of numbers.children) number.removeAttribute('data-problem');
    const rows = [];
    for (const problem of problems) {
      const number = numbers.children[problem.line - 1];
      if (!number) continue;
      // An error outranks a warning on the same line.
      if (number.dataset.problem !== 'error') number.dataset.problem = problem.severity;
      const row = el('div', `editor-mark editor-mark-${problem.severity}`);
      row.style.top = `calc(var(--editor-pad) + ${problem.line - 1} * var(--editor-line))`;
      rows.push(row);
    }
    marks.replaceChildren(...rows);
    sync();
  }

  function sync() {
    layer.style.transform = `translate(${-input.scrollLeft}px, ${-input.scrollTop}px)`;
    numbers.style.transform = `translateY(${-input.scrollTop}px)`;
  }

  // Through execCommand, an edit lands on the textarea's own undo stack.
  function insert(text) {
    if (!document.execCommand('insertText', false, text)) {
      input.setRangeText(text, input.selectionStart, input.selectionEnd, 'end');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  input.addEventListener('input', () => {
    render();
    options.onChange?.();
  });
  input.addEventListener('scroll', sync);
  input.addEventListener('keydown', (event) => {
    const { value, selectionStart } = input;
    const lineStart = value.lastIndexOf('\n', selectionStart - 1) + 1;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      options.onRun?.();
    } else if (event.key === 'Escape') {
      input.blur();
    } else if (event.key === 'Tab' && event.shiftKey) {
      event.preventDefault();
      const remove = /^ {0,2}/.exec(value.slice(lineStart))[0].length;
      if (remove === 0) return;
      const caret = Math.max(lineStart, selectionStart - remove);
      input.setSelectionRange(lineStart, lineStart + remove);
      // Removing through insertText keeps undo working.
      if (!document.execCommand('delete')) insert('');
      input.setSelectionRange(caret, caret);
    } else if (event.key === 'Tab' && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      insert(INDENT);
    } else if (event.key === 'Enter' && !event.shiftKey && !event.altKey) {
      // A new line keeps the indentation of the one before, one step more after an opener.
      event.preventDefault();
      const before = value.slice(lineStart, selectionStart);
      const indent = /^\s*/.exec(before)[0];
      insert(`\n${indent}${/[{([]\s*$/.test(before) ? INDENT : ''}`);
    }
  });

  render();
  return {
    /** The text in the editor. */
    get value() {
      return input.value;
    },
    /** Replaces the text (and the undo history: a program loaded or reset starts afresh). */
    set value(text) {
      input.value = text;
      input.scrollTop = 0;
      input.scrollLeft = 0;
      render();
    },
    /**
     * Marks the lines of `list` (`{ line, severity: 'error' | 'warning' }`).
     * @param {{ line: number, severity: string }[]} list
     */
    setProblems(list) {
      problems = list.filter((problem) => Number.isInteger(problem.line) && problem.line > 0);
      render();
    },
    /** Puts the caret at `line`:`column` (1-based) and shows it. */
    goTo(line, column = 1) {
      const lines = input.value.split('\n');
      const at = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + Math.max(column - 1, 0);
      input.focus();
      input.setSelectionRange(at, at);
      const lineHeight = parseFloat(getComputedStyle(root).getPropertyValue('--editor-line')) || 18;
      const top = (line - 1) * lineHeight;
      if (top < input.scrollTop || top > input.scrollTop + input.clientHeight - 2 * lineHeight) input.scrollTop = Math.max(top - input.clientHeight / 3, 0);
      sync();
    },
    focus() {
      input.focus();
    },
  };
}

function el(name, className, text) {
  const node = document.createElement(name);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
