import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The app's directory: where the programs run from. */
export const appDir = fileURLToPath(new URL('../', import.meta.url));

/** What a finished command printed and how it ended. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the playground's command line (`node --import tsx src/main.ts ...args`), as `npm start -- ...args` does after its build.
 * @param args - The arguments after `npm start --`.
 * @returns What it printed and its exit code.
 */
export function cli(args: string[], timeout = 90_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start -- ${args.join(' ')} did not end in ${timeout} ms; it printed:\n${stdout}\n${stderr}`));
    }, timeout);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts the server as `npm start -- --port 0` would and waits for the URL it prints.
 * @returns The server process and its URL.
 */
export function startServerProcess(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0'], { cwd: appDir, stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      seen += text;
      const url = /(http:\/\/\S+)/.exec(seen)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before printing its URL: ${seen}`)));
  });
}
