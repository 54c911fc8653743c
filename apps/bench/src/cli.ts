/** The command line of `npm run bench -- [options]`. */

export interface CliOptions {
  quick: boolean;
  filter?: string;
  /** Where results.json and results.svg go; `undefined` lets the harness choose. */
  out?: string;
  repetitions?: number;
  /** Only redraw results.svg from the results.json already there. */
  redraw: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--filter <substring>] [--out <dir>] [--repetitions <n>]

  --quick            smaller runs, 2 repetitions, no warm-up (the CI smoke check, < 2 minutes);
                     results go to apps/bench/.bench-tmp/ unless --out is given
  --filter <text>    only the workloads whose id contains <text> (repeatable); the results
                     are merged into the existing results.json
  --out <dir>        write results.json and results.svg there (default docs/performance/)
  --repetitions <n>  measured repetitions per contender (default 5, quick 2)
  --redraw           run nothing: redraw results.svg from the results.json in the out dir
  --help             this text`;

/**
 * Parses the arguments after `--`.
 *
 * @throws TypeError naming the argument, for an unknown option or a missing/bad value.
 */
export function parseCli(argv: readonly string[]): CliOptions {
  const options: CliOptions = { quick: false, redraw: false, help: false };
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new TypeError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        options.quick = true;
        break;
      case '--filter':
        filters.push(value());
        break;
      case '--out':
        options.out = value();
        break;
      case '--repetitions': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new TypeError(`--repetitions must be a positive integer, got ${argv[i]}`);
        options.repetitions = n;
        break;
      }
      case '--redraw':
        options.redraw = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new TypeError(`unknown argument ${JSON.stringify(arg)}; accepted: --quick, --filter <text>, --out <dir>, --repetitions <n>, --redraw, --help`);
    }
  }
  if (filters.length) options.filter = filters.join('\n');
  return options;
}

/** Whether a workload id is selected by the `--filter` values (any of them, as substrings). */
export function selected(id: string, filter: string | undefined): boolean {
  return filter === undefined || filter.split('\n').some((f) => id.includes(f));
}
