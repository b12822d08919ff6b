#!/usr/bin/env node
// `saas-fulfillment <command>`: the project's command line. Bad flags or config exit with code 2 and a
// message naming the flag or field; a failure to start exits with 1.
import { parseArgs } from 'node:util';
import { ConfigError, marketplaceConfig, publisherConfig, type Flags } from '../config.js';
import { startDev } from './dev.js';
import { describeMarketplace, startMarketplace } from './marketplace.js';
import { describePublisher, startPublisherService } from './publisher.js';

const USAGE = `Usage: saas-fulfillment <command> [options]

Commands:
  dev           the emulator and the publisher service wired together (what \`npm start\` runs)
  marketplace   the marketplace emulator
  publisher     the publisher fulfillment service (production settings from the environment)

Common options:
  --port <n>               port to listen on (marketplace 4010, publisher and dev 3000; 0 picks a free one)
  --host <addr>            address to bind (default 127.0.0.1)
  --data-dir <dir>         folder of the SQLite store (default ./data); DATABASE_URL=postgres://... selects PostgreSQL
  --config <file>          catalog of publishers, offers and plans (JSON; default: the built-in demo catalog)
  --webhook-url <url>      connection webhook of the first publisher in the catalog
  --landing-page-url <url> landing page of the first publisher in the catalog
  --public-url <url>       origin the emulator is reached at, if not the address it binds
  --log-level <level>      fatal, error, warn, info, debug, trace or silent (default info; env LOG_LEVEL)
  --simulator-remote       let non-loopback callers use the simulator API and pages
  --in-memory              marketplace: keep everything in memory (no files; for test suites)

Publisher and dev options:
  --marketplace-url <url>  use an emulator at this origin (credentials default to its dev app)
  --marketplace-port <n>   dev: the emulator's port (default 4010)
  --hooks <module>         JS module exporting provision / decide / restore (env HOOKS_MODULE)
  Environment: ADMIN_PASSWORD, APP_API_KEY, TENANT_ID, CLIENT_ID, CLIENT_SECRET, MARKETPLACE_API_URL,
  ENTRA_AUTHORITY, DATABASE_URL, PROVISIONING_URL, APP_EVENTS_URL, APP_EVENTS_SECRET, RECONCILE_INTERVAL,
  LANDING_SIGN_IN, ADMIN_OIDC_USERS, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
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
  'in-memory': { type: 'boolean' },
  'marketplace-url': { type: 'string' },
  'marketplace-port': { type: 'string' },
  hooks: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'marketplace' && command !== 'dev' && command !== 'publisher') throw new ConfigError(`unknown command '${command}'`);
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
  if (command === 'marketplace') {
    const running = await startMarketplace(marketplaceConfig(flags, process.env));
    process.stdout.write(`\n${describeMarketplace(running)}\n\n`);
    await closeOnSignal(() => running.close());
  } else if (command === 'publisher') {
    const config = publisherConfig(flags, process.env, 'publisher');
    const running = await startPublisherService(config);
    process.stdout.write(`\n${describePublisher(running, config)}\n\n`);
    await closeOnSignal(() => running.close());
  } else {
    const running = await startDev(flags, process.env);
    process.stdout.write(`\n${running.summary}\n\n`);
    await closeOnSignal(() => running.close());
  }
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
