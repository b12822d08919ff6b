// What every subcommand of `saas-fulfillment` is: a name, its own usage and options, and a run. Bad
// flags are a ConfigError (exit 2, naming the flag); `--help` prints the command's own usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, type Flags } from './config.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  /** One line for the overall usage. */
  summary: string;
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
    throw new ConfigError(`${command.name}: ${(error as Error).message}`);
  }
  if (parsed.values.help) {
    process.stdout.write(command.usage);
    return 0;
  }
  return command.run(parsed.values, parsed.positionals);
}

/** Commands that take no positional arguments refuse stray words, naming them. */
export function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length > 0) throw new ConfigError(`${command} takes no argument '${positionals[0]}'; see '${command} --help'`);
}

/** Resolves on SIGINT or SIGTERM, after `close` has finished. */
export function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      close().finally(resolve);
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
