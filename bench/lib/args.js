// Command-line flags of `node bench/run.js`.

export const USAGE = `Usage: node bench/run.js [options]      (npm run bench -- [options])

Side-by-side benchmarks of cachectl and redis-cli on a throwaway redis-server seeded with a
realistic keyspace. Prints a table on stdout; progress goes to stderr.

Options:
  --keys N          keys in the seeded keyspace (default 1000000; 200k and 1m are accepted)
  --only a,b        run only these scenarios (default: all)
  --repeat N        run every command N times and report the median wall time (default 1)
  --timeout SECS    kill a run that takes longer (default 900)
  --json FILE       also write the raw results as JSON
  --redis-cli PATH  the redis-cli to compare with (default: the newest found on PATH and in
                    CACHECTL_TEST_SERVERS, else ../shared/servers; its --count support is tried)
  --baseline DIR    also run every cachectl command from another (built) checkout, e.g. a
                    worktree of main before a change: before/after rows from one run
  --fifo            run every bench server's main thread under SCHED_FIFO while a run is measured,
                    so SLOWLOG times the commands, not waits for a core; fail if chrt cannot
                    (default: on when chrt works, directly or through sudo -n, else a note why not)
  --no-fifo         keep the servers under the normal scheduling policy
  --list            list the scenarios and exit
  -h, --help        this text`;

/**
 * @typedef {{ keys: number, only: string[] | undefined, repeat: number, timeoutMs: number, json: string | undefined, redisCli: string | undefined, baseline: string | undefined, fifo: 'auto' | 'on' | 'off', list: boolean, help: boolean }} BenchOptions
 */

export class UsageError extends Error {}

/** @param {string} flag @param {string | undefined} text */
function count(flag, text) {
  const match = /^(\d+(?:\.\d+)?)([km])?$/i.exec((text ?? '').replaceAll('_', '').replaceAll(',', ''));
  if (match === null) throw new UsageError(`${flag} needs a positive number, got ${JSON.stringify(text)}`);
  const scale = { k: 1e3, m: 1e6 }[/** @type {'k' | 'm'} */ ((match[2] ?? '').toLowerCase())] ?? 1;
  const value = Math.round(Number(match[1]) * scale);
  if (!(value > 0)) throw new UsageError(`${flag} needs a positive number, got ${JSON.stringify(text)}`);
  return value;
}

/** @param {string[]} argv arguments after the script @returns {BenchOptions} */
export function parseArgs(argv) {
  /** @type {BenchOptions} */
  const options = { keys: 1_000_000, only: undefined, repeat: 1, timeoutMs: 900_000, json: undefined, redisCli: undefined, baseline: undefined, fifo: 'auto', list: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--keys':
        options.keys = count(flag, value());
        if (options.keys < 1_000) throw new UsageError('--keys must be at least 1000');
        break;
      case '--only':
        options.only = value().split(',').map((name) => name.trim()).filter((name) => name !== '');
        break;
      case '--repeat':
        options.repeat = count(flag, value());
        break;
      case '--timeout':
        options.timeoutMs = count(flag, value()) * 1_000;
        break;
      case '--json':
        options.json = value();
        break;
      case '--redis-cli':
        options.redisCli = value();
        break;
      case '--baseline':
        options.baseline = value();
        break;
      case '--fifo':
        options.fifo = 'on';
        break;
      case '--no-fifo':
        options.fifo = 'off';
        break;
      case '--list':
        options.list = true;
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return options;
}
