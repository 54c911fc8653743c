/**
 * The Node options a worker or child inherits: the parent's, minus those that name the
 * parent's own entry (`-e`/`--eval`, `-p`/`--print`, `--input-type`, `--test`...) and would
 * make the new worker or process fail or run the wrong code. Loaders (`--import tsx`) and
 * `--experimental-strip-types` stay, so TypeScript targets load where the parent loads them.
 * @internal
 */
export function inheritedExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') {
      i++;
      continue;
    }
    if (/^(--input-type|--eval|--print|--test|--watch|--inspect|--inspect-brk|--debug-port)(=|$)/.test(arg)) continue;
    out.push(arg);
  }
  return out;
}
