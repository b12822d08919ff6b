#!/usr/bin/env node
// `saas-fulfillment <command>`: the project's command line. Bad flags or config exit with code 2 and a
// message naming the flag or field; a failure to start exits with 1.
import { parseArgs } from 'node:util';
import { ConfigError, marketplaceConfig, type Flags } from '../config.js';
import { describeMarketplace, startMarketplace } from './marketplace.js';

const USAGE = `Usage: saas-fulfillment <command> [options]

Commands:
  dev           the marketplace emulator on embedded defaults (what \`npm start\` runs)
  marketplace   the marketplace emulator

Options (marketplace, dev):
  --port <n>               port to listen on (default 4010; 0 picks a free one)
  --host <addr>            address to bind (default 127.0.0.1)
  --data-dir <dir>         folder of the SQLite store (default ./data); DATABASE_URL=postgres://... selects PostgreSQL
  --config <file>          catalog of publishers, offers and plans (JSON; default: the built-in demo catalog)
  --webhook-url <url>      connection webhook of the first publisher in the catalog
  --landing-page-url <url> landing page of the first publisher in the catalog
  --public-url <url>       origin the emulator is reached at, if not the address it binds
  --log-level <level>      fatal, error, warn, info, debug, trace or silent (default info; env LOG_LEVEL)
  --simulator-remote       let non-loopback callers use the simulator API and pages
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  'webhook-url': { type: 'string' },
  'landing-page-url': { type: 'string' },
  'public-url': { type: 'string' },
  'log-level': { type: 'string' },
  'simulator-remote': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'marketplace' && command !== 'dev') throw new ConfigError(`unknown command '${command}'`);
  let flags: Flags;
  try {
    flags = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const running = await startMarketplace(marketplaceConfig(flags, process.env));
  process.stdout.write(`\n${describeMarketplace(running)}\n\n`);
  await closeOnSignal(() => running.close());
  return 0;
}

function closeOnSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      close().finally(resolve);
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`saas-fulfillment: ${error.message}\n\nRun 'saas-fulfillment --help' for the options.\n`);
      process.exit(2);
    }
    process.stderr.write(`saas-fulfillment: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
