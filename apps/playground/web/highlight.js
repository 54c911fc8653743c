// A small syntax highlighter for the two languages the page shows: comments, strings,
// keywords and numbers, enough to make a short program easy to read.

const grammars = {
  ts: new RegExp([
    String.raw`(\/\/.*|\/\*[\s\S]*?\*\/)`,
    String.raw`('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|\x60(?:\\.|[^\x60\\])*\x60)`,
    String.raw`\b(import|from|export|const|let|var|function|async|await|return|for|of|in|if|else|try|catch|finally|new|class|extends|constructor|super|this|while|throw|type|as|using|void|override|null|undefined|true|false)\b`,
    String.raw`\b(\d[\d_]*(?:\.\d+)?)\b`,
  ].join('|'), 'g'),
  python: new RegExp([
    String.raw`(#.*)`,
    String.raw`([rbf]?"(?:\\.|[^"\\\n])*"|[rbf]?'(?:\\.|[^'\\\n])*')`,
    String.raw`\b(import|from|def|class|return|for|in|if|elif|else|while|try|except|finally|with|as|global|and|or|not|break|continue|pass|lambda|True|False|None|print)\b`,
    String.raw`\b(\d[\d_]*(?:\.\d+)?)\b`,
  ].join('|'), 'g'),
};
const classes = ['comment', 'string', 'keyword', 'number'];

/**
 * Fills `element` with `code`, highlighted.
 * @param {HTMLElement} element
 * @param {string} code
 * @param {'ts' | 'python'} language
 */
export function highlight(element, code, language) {
  const pattern = grammars[language];
  const parts = [];
  let last = 0;
  for (const match of code.matchAll(pattern)) {
    if (match.index > last) parts.push(document.createTextNode(code.slice(last, match.index)));
    const group = match.slice(1).findIndex((value) => value !== undefined);
    const span = document.createElement('span');
    span.className = `tok-${classes[group]}`;
    span.textContent = match[0];
    parts.push(span);
    last = match.index + match[0].length;
  }
  parts.push(document.createTextNode(code.slice(last)));
  element.replaceChildren(...parts);
}
