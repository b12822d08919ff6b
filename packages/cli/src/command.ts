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
    parsed = parseArgs({ args, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ConfigError(`${command.name}: ${flagProblem(error as Error & { code?: string }, Object.keys(command.options))}`);
  }
  if (parsed.values.help) {
    process.stdout.write(command.usage);
    return 0;
  }
  return command.run(parsed.values, parsed.positionals);
}

/** What was wrong with a flag, in our words: node's own quote its parts unevenly and suggest nothing. */
function flagProblem(error: Error & { code?: string }, known: string[]): string {
  const flag = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = flag.replace(/^-+/, '');
    const nearest = known
      .filter((option) => distance(option, name) <= Math.max(1, Math.floor(name.length / 3)))
      .sort((a, b) => distance(a, name) - distance(b, name))[0];
    return `unknown option ${flag}${nearest ? `; did you mean --${nearest}?` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return /argument missing/.test(error.message) ? `${flag} needs a value` : `${flag} takes no value`;
  return error.message;
}

/** Edit distance between two flag names (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length] as number;
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
