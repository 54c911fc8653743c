// Test set-up for what the system itself must provide (a Debian package such as redis-server or
// chromium): present -> nothing to do; missing and we are root with apt-get -> install it,
// saying so in one line; otherwise fail at once naming the one command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(`${dir}/${command}`, constants.X_OK);
      return `${dir}/${command}`;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/**
 * Returns the path of `command`, installing Debian's `debianPackage` first when it is missing
 * and this process may (root, apt-get present). Throws with the exact command to run otherwise.
 */
export function requireSystemCommand(command, debianPackage, why) {
  const found = onPath(command);
  if (found) return found;
  const install = `apt-get install -y ${debianPackage}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new Error(`${why} needs \`${command}\`, which is not installed. Run: sudo apt-get update && sudo ${install}`);
  }
  console.log(`[setup] ${command} is missing: installing Debian's ${debianPackage} (apt-get, once; about a minute)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = spawnSync('apt-get', ['install', '-y', '-q', debianPackage], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) {
    // A fresh machine may have no package lists yet.
    execFileSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
    result = spawnSync('apt-get', ['install', '-y', '-q', debianPackage], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const installed = onPath(command);
  if (result.status !== 0 || !installed) {
    throw new Error(`${why} needs \`${command}\`; installing ${debianPackage} failed: ${String(result.stderr).trim().slice(-500)}\nRun: apt-get update && ${install}`);
  }
  return installed;
}
