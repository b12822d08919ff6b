#!/usr/bin/env node
// `saas-fulfillment <command>`: the project's command line. Each command is loaded only when it runs, so
// `--version`, `--help` and the commands that drive a running emulator start in a fraction of a second.
// Bad flags or settings exit with code 2 and a message naming the flag or variable; a failure (an emulator
// that refuses or cannot be reached, a server that cannot start) exits with 1.
import { createRequire } from 'node:module';
import { nearestName, runCommand, type Command } from './command.js';
import { ConfigError } from './settings/read.js';

/** Every command: its name, one line for the usage, and how to load it. */
const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'dev',
    summary: 'the emulator and the publisher service wired together (what `npm start` runs)',
    load: async () => (await import('./commands/serve.js')).devCommand,
  },
  {
    name: 'marketplace',
    summary: 'the marketplace emulator on its own (port 4010)',
    load: async () => (await import('./commands/serve.js')).marketplaceCommand,
  },
  {
    name: 'publisher',
    summary: "the publisher's fulfillment service (port 3000; settings from the environment)",
    load: async () => (await import('./commands/serve.js')).publisherCommand,
  },
  {
    name: 'trigger',
    summary: 'fire a marketplace event on a running emulator: purchase, change-plan, suspend, ...',
    load: async () => (await import('./commands/trigger.js')).triggerCommand,
  },
  { name: 'clock', summary: "read or move the emulator's clock: clock advance P1M", load: async () => (await import('./commands/clock.js')).clockCommand },
  {
    name: 'webhooks',
    summary: "the emulator's webhook delivery log (--follow to tail it; redeliver <id>)",
    load: async () => (await import('./commands/webhooks.js')).webhooksCommand,
  },
  {
    name: 'logs',
    summary: 'the API calls the emulator answered, secrets hidden (--follow to tail them)',
    load: async () => (await import('./commands/logs.js')).logsCommand,
  },
  {
    name: 'state',
    summary: "a running emulator's whole state to a file and back, or a seed loaded: state export|import|seed",
    load: async () => (await import('./commands/state.js')).stateCommand,
  },
  {
    name: 'reset',
    summary: "empty a running emulator's subscriptions, webhooks and clock (or back to its seed)",
    load: async () => (await import('./commands/clock.js')).resetCommand,
  },
];

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const USAGE = `Usage: saas-fulfillment <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(12)}${c.summary}`).join('\n')}

Run 'saas-fulfillment <command> --help' for a command's options; --version prints the version.

Examples:
  saas-fulfillment dev                                   both apps, wired together (npm start)
  saas-fulfillment trigger purchase --plan pro --quantity 5
  saas-fulfillment trigger suspend --subscription <id>
  saas-fulfillment clock advance P1M
  saas-fulfillment webhooks --follow
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = commandFirst(argv);
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const nearest = nearestName(
      name,
      COMMANDS.map((c) => c.name),
    );
    throw new ConfigError(`unknown command '${name}'${nearest ? `; did you mean '${nearest}'?` : ''}`);
  }
  return runCommand(await entry.load(), rest);
}

/**
 * The command first: flags given before it (`--marketplace-url X clock`) move after it, where the command
 * reads them.
 */
function commandFirst(argv: string[]): string[] {
  const at = argv.findIndex((arg) => COMMANDS.some((c) => c.name === arg));
  if (at <= 0 || !argv[0]?.startsWith('-')) return argv;
  return [argv[at] as string, ...argv.slice(at + 1), ...argv.slice(0, at)];
}

interface Failure {
  exitCode: number;
  /** For --json: what kind of failure, and the emulator's own answer when it refused. */
  error: { code: string; message: string; status?: number; target?: string };
  /** For people. */
  message: string;
}

/** What a failure says: the error classes are told apart by name, so none of them is loaded to print it. */
function describeFailure(error: unknown): Failure {
  const failure = error as Error & { statusCode?: number; code?: string; target?: string };
  if (failure?.name === 'ConfigError')
    return {
      exitCode: 2,
      error: { code: 'BadArguments', message: failure.message },
      message: `${failure.message}\n\nRun 'saas-fulfillment --help' for the commands and '<command> --help' for their options.`,
    };
  if (failure?.name === 'ApiError')
    return {
      exitCode: 1,
      error: {
        code: failure.code ?? 'Refused',
        message: failure.message,
        ...(failure.statusCode ? { status: failure.statusCode } : {}),
        ...(failure.target ? { target: failure.target } : {}),
      },
      message: `the emulator refused (${failure.statusCode} ${failure.code}): ${failure.message}${failure.target ? ` [${failure.target}]` : ''}`,
    };
  if (failure?.name === 'EmulatorUnreachable') return { exitCode: 1, error: { code: 'Unreachable', message: failure.message }, message: failure.message };
  if (failure?.name === 'LandingPageNeedsBrowser') return { exitCode: 1, error: { code: 'NeedsBrowser', message: failure.message }, message: failure.message };
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: 1, error: { code: 'Failed', message }, message: `failed: ${message}` };
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const failure = describeFailure(error);
    // Scripts that asked for JSON get their errors as JSON too.
    process.stderr.write(argv.includes('--json') ? `${JSON.stringify({ error: failure.error })}\n` : `saas-fulfillment: ${failure.message}\n`);
    process.exit(failure.exitCode);
  },
);
