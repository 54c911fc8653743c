/** `npm run bench -- [--quick] [--filter <text>] [--out <dir>]`: see README.md. */
import { bench } from './bench.js';

// A contender that leaks a rejected promise must not take the whole run down with it: say
// so, finish, and fail the exit code.
let leaked = false;
process.on('unhandledRejection', (reason) => {
  leaked = true;
  process.stderr.write(`\nbench: an unhandled rejection (a contender leaked a promise): ${String((reason as Error)?.stack ?? reason)}\n`);
});

const code = await bench(process.argv.slice(2));
// Contenders may leave pools or workers behind; the run is over.
process.exit(code || (leaked ? 1 : 0));
