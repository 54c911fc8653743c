/** `npm run bench -- [--quick] [--filter <text>] [--out <dir>]`: see README.md. */
import { bench } from './bench.js';

const code = await bench(process.argv.slice(2));
// Contenders may leave pools or workers behind; the run is over.
process.exit(code);
