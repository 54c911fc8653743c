// The TypeScript checks of the page's edited programs, on a worker thread of the server: the
// first check loads TypeScript's libraries and Node's types (a couple of seconds), which must
// not stall the server's streams. The options are the app's tsconfig.json, so the page reports
// what `npm run typecheck` would. (Plain JavaScript: the server may run without a TypeScript
// loader in its worker threads.)
//
// In: { id, check: 'syntax' | 'types', name, source }. Out: { id, diagnostics } or { id, error }.
import { parentPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const appDir = fileURLToPath(new URL('../', import.meta.url));
const parsed = ts.getParsedCommandLineOfConfigFile(`${appDir}tsconfig.json`, {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
    throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  },
});
const options = { ...parsed.options, noEmit: true };

// The edited text stands in for the program's file (or a new one next to them), so that its
// imports resolve as the program's do.
let current = { path: '', text: '', version: 0 };
const service = ts.createLanguageService({
  getScriptFileNames: () => (current.path ? [current.path] : []),
  getScriptVersion: (path) => (path === current.path ? String(current.version) : '0'),
  getScriptSnapshot: (path) => {
    const text = path === current.path ? current.text : ts.sys.readFile(path);
    return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
  },
  getCurrentDirectory: () => appDir,
  getCompilationSettings: () => options,
  getDefaultLibFileName: (settings) => ts.getDefaultLibFilePath(settings),
  fileExists: (path) => path === current.path || ts.sys.fileExists(path),
  readFile: (path) => (path === current.path ? current.text : ts.sys.readFile(path)),
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
}, ts.createDocumentRegistry());

function check({ check, name, source }) {
  const path = `${appDir}programs/${name}.ts`;
  if (path !== current.path || source !== current.text) current = { path, text: source, version: current.version + 1 };
  const found = check === 'syntax' ? service.getSyntacticDiagnostics(path) : service.getSemanticDiagnostics(path);
  return found.map((diagnostic) => {
    const { line, character } = diagnostic.file && diagnostic.start !== undefined
      ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      : { line: 0, character: 0 };
    return {
      line: line + 1,
      column: character + 1,
      length: diagnostic.length ?? 0,
      code: diagnostic.code,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
    };
  });
}

parentPort.on('message', (request) => {
  try {
    parentPort.postMessage({ id: request.id, diagnostics: check(request) });
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: String(error?.stack ?? error) });
  }
});
