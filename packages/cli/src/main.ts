#!/usr/bin/env node
// `saas-fulfillment <command>`: the project's command line. Bad flags or config exit with code 2 and a
// message naming the flag or field; a failure (an emulator that refuses or cannot be reached, a server
// that cannot start) exits with 1.
import { createRequire } from 'node:module';
import { ConfigError } from './config.js';
import { ApiError } from '@saas-fulfillment/contract';
import { EmulatorUnreachable } from '@saas-fulfillment/marketplace';
import { clockCommand, resetCommand } from './clock.js';
import { runCommand, type Command } from './command.js';
import { devCommand, marketplaceCommand, publisherCommand } from './serve.js';
import { triggerCommand } from './trigger.js';
import { webhooksCommand } from './webhooks.js';

const COMMANDS: readonly Command[] = [devCommand, marketplaceCommand, publisherCommand, triggerCommand, clockCommand, webhooksCommand, resetCommand];

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
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new ConfigError(`unknown command '${name}'`);
  return runCommand(command, rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`saas-fulfillment: ${error.message}\n\nRun 'saas-fulfillment --help' for the commands and '<command> --help' for their options.\n`);
      process.exit(2);
    }
    if (error instanceof ApiError) {
      process.stderr.write(
        `saas-fulfillment: the emulator refused (${error.statusCode} ${error.code}): ${error.message}${error.target ? ` [${error.target}]` : ''}\n`,
      );
      process.exit(1);
    }
    if (error instanceof EmulatorUnreachable) {
      process.stderr.write(`saas-fulfillment: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`saas-fulfillment: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
