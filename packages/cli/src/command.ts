// What every subcommand of `saas-fulfillment` is: a name, its own usage and options, and a run. Bad
// flags are a ConfigError (exit 2, naming the flag); `--help` prints the command's own usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, type Flags } from './settings/read.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  /** The command's own `--help` text. */
  usage: string;
  options: Options;
  /** Resolves with the exit code once the command is done (servers: once they are stopped). */
  run(flags: Flags, positionals: string[]): Promise<number>;
}

/** Parses a command's arguments strictly; `--help` prints its usage instead of running it. */
export async function runCommand(command: Command, args: string[]): Promise<number> {
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({
      args: negativeValues(args, command.options),
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new ConfigError(`${command.name}: ${flagProblem(error as Error & { code?: string }, Object.keys(command.options))}`);
  }
  if (parsed.values.help) {
    process.stdout.write(command.usage);
    return 0;
  }
  return command.run(parsed.values, parsed.positionals);
}

/**
 * A value that starts with a dash (`--limit -3`) taken as the flag's value, so it is checked as one
 * ("must be a whole number from 1 to 1000; got '-3'") rather than read as a flag of its own.
 */
function negativeValues(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const name = /^--([\w-]+)$/.exec(arg)?.[1];
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/** What was wrong with a flag, in our words: node's own quote its parts unevenly and suggest nothing. */
function flagProblem(error: Error & { code?: string }, known: string[]): string {
  const flag = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const nearest = nearestName(flag.replace(/^-+/, ''), known);
    return `unknown option ${flag}${nearest ? `; did you mean --${nearest}?` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return /argument missing/.test(error.message) ? `${flag} needs a value` : `${flag} takes no value`;
  return error.message;
}

/** The known name nearest to `name` (a typo, a swapped pair, a missing letter), if one is near enough. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const within = Math.max(1, Math.floor(name.length / 3));
  return known
    .map((candidate) => ({ candidate, cost: distance(candidate, name) }))
    .filter(({ cost }) => cost <= within)
    .sort((a, b) => a.cost - b.cost)[0]?.candidate;
}

/** Edit distance between two names: insertions, deletions, substitutions, and two neighbours swapped. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  return (d[a.length] as number[])[b.length] as number;
}

/** Commands that take no positional arguments refuse stray words, naming them. */
export function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length > 0) throw new ConfigError(`${command} takes no argument '${positionals[0]}'; see '${command} --help'`);
}

/** How long a server may take to stop after SIGTERM before the command exits anyway. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Runs until SIGINT or SIGTERM, then closes and resolves with the exit code: 0 when everything in flight
 * finished, 1 when `close` had to cut work short (named on stderr), failed, or took longer than the
 * deadline. A second signal while stopping exits at once.
 */
export function untilSignal(close: () => Promise<readonly string[]>): Promise<number> {
  return new Promise((resolve) => {
    const done = (code: number, message?: string) => {
      if (message) process.stderr.write(`saas-fulfillment: ${message}\n`);
      resolve(code);
    };
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      process.once('SIGINT', () => done(1, 'stopped at once: a second signal came while stopping')).once('SIGTERM', () => done(1, 'stopped at once'));
      const deadline = setTimeout(() => done(1, `did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting with work in flight`), STOP_DEADLINE_MS);
      deadline.unref();
      close()
        .then(
          (cutShort) => done(cutShort.length > 0 ? 1 : 0, cutShort.length > 0 ? `stopped, but cut short: ${cutShort.join('; ')}` : undefined),
          (error: unknown) => done(1, `failed while stopping: ${error instanceof Error ? error.message : String(error)}`),
        )
        .finally(() => clearTimeout(deadline));
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}

/** A listen error that names the flag setting the port, when the port is taken. */
export function portProblem(error: unknown, port: number, flag: string): unknown {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    return new ConfigError(`port ${port} is in use: choose another with ${flag} (0 picks a free one)`);
  if ((error as NodeJS.ErrnoException).code === 'EACCES')
    return new ConfigError(`port ${port} needs privileges this process does not have: choose another with ${flag}`);
  return error;
}
