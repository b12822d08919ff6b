// The commands that run servers: dev (what `npm start` runs), marketplace and publisher. Each loads its
// settings and its servers when it runs, so that `--help` and the other commands start without them.
import { noPositionals, portProblem, untilSignal, type Command, type Options } from '../command.js';

const COMMON: Options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'public-url': { type: 'string' },
  'log-level': { type: 'string' },
};
const EMULATOR: Options = {
  config: { type: 'string' },
  'webhook-url': { type: 'string' },
  'landing-page-url': { type: 'string' },
  'simulator-remote': { type: 'boolean' },
  'control-token': { type: 'string' },
  https: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  chaos: { type: 'string' },
  seed: { type: 'string' },
  import: { type: 'string' },
  'export-on-exit': { type: 'string' },
};
const PUBLISHER: Options = { 'marketplace-url': { type: 'string' }, hooks: { type: 'string' } };

const COMMON_HELP = `  --port <n>               port to listen on (0 picks a free one)
  --host <addr>            address to bind (default 127.0.0.1; env HOST)
  --data-dir <dir>         folder of the SQLite files (default ./data; env DATA_DIR); DATABASE_URL=postgres://... selects PostgreSQL
  --public-url <url>       origin the app is reached at, if not the address it binds
  --log-level <level>      fatal, error, warn, info, debug, trace or silent (default info; env LOG_LEVEL)
`;
const EMULATOR_HELP = `  --config <file>          catalog of publishers, offers and plans (JSON; default: the built-in demo catalog)
  --webhook-url <url>      connection webhook of the first publisher (default: the emulator's own inbox)
  --landing-page-url <url> landing page of the first publisher (default: the emulator's own page)
  --simulator-remote       let non-loopback callers use the simulator API and pages
  --control-token <token>  require this token (16+ characters) on the simulator API and pages, for a machine
                           other people use (env SIMULATOR_CONTROL_TOKEN; unset: loopback callers only)
  --https                  serve HTTPS with a local certificate authority made in the data folder (trust data/tls/ca.pem)
  --tls-cert <file> --tls-key <file>   serve HTTPS with your certificate and key (PEM)
  --chaos <file>           seeded failures on a schedule from the start (JSON, as PUT /simulator/chaos takes)
  --seed <file>            start from a seed (YAML or JSON: offers, plans, subscriptions in any state); reset returns to it
  --import <file>          start from a state snapshot ('saas-fulfillment state export' or GET /simulator/state wrote it)
  --export-on-exit <file>  write the state to <file> when stopped (Ctrl+C, SIGTERM), to --import next time
`;
const PUBLISHER_ENV = `Environment: ADMIN_PASSWORD, APP_API_KEY, TENANT_ID, CLIENT_ID, CLIENT_SECRET, CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, PUBLIC_URL, TRUST_PROXY, METRICS_TOKEN, MARKETPLACE_API_URL,
ENTRA_AUTHORITY, DATABASE_URL, PROVISIONING_URL, PROVISIONING_SECRET, APP_EVENTS_URL, APP_EVENTS_SECRET, RECONCILE_INTERVAL,
METERING_INTERVAL, METERING_LEASE, TENANT_API_KEYS,
LANDING_SIGN_IN, ADMIN_OIDC_USERS, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, PRODUCT_NAME,
PRODUCT_LOGO_URL, PRODUCT_URL, SUPPORT_CONTACT (see the README)
`;

/** Waits for a server to start (a taken port names --port), prints what it serves, runs until stopped. */
async function serve<T extends { close(): Promise<readonly string[]> }>(starting: Promise<T>, port: number, describe: (running: T) => string): Promise<number> {
  const running = await starting.catch((error: unknown) => {
    throw portProblem(error, port, '--port');
  });
  process.stdout.write(`\n${describe(running)}\n\n`);
  return untilSignal(() => running.close());
}

export const marketplaceCommand: Command = {
  name: 'marketplace',
  usage: `Usage: saas-fulfillment marketplace [options]
       saas-fulfillment marketplace backup <file> [--data-dir <dir>]

Runs the emulator: Microsoft's fulfillment API under /api, the Entra stand-in, the purchase simulator
pages, the control API under /simulator, and its own landing page and webhook inbox. 'backup <file>'
copies its SQLite store consistently while it runs.

${COMMON_HELP}${EMULATOR_HELP}  --in-memory              keep everything in memory: no files, nothing survives (test suites)
`,
  options: { ...COMMON, ...EMULATOR, 'in-memory': { type: 'boolean' } },
  async run(flags, positionals) {
    if (positionals[0] === 'backup') return (await import('./backup.js')).backupStore('marketplace', flags, positionals.slice(1));
    noPositionals('marketplace', positionals);
    // An emulator in memory always makes a signing key: on a background thread while the emulator loads.
    const signingJwk = flags['in-memory'] ? (await import('@saas-fulfillment/marketplace/signing-key')).newSigningJwk() : undefined;
    const { marketplaceConfig } = await import('../settings/marketplace.js');
    const config = marketplaceConfig(flags, process.env);
    const { describeMarketplace, startMarketplace } = await import('../servers/marketplace.js');
    return serve(startMarketplace(config, { signingJwk }), config.port, describeMarketplace);
  },
};

export const publisherCommand: Command = {
  name: 'publisher',
  usage: `Usage: saas-fulfillment publisher [options]
       saas-fulfillment publisher backup <file> [--data-dir <dir>]

Runs the vendor's fulfillment service: landing page, webhook, admin console, entitlement API. Against
Microsoft by default; --marketplace-url points it at an emulator. 'backup <file>' copies its SQLite
store consistently while it runs (PostgreSQL: use pg_dump).

${COMMON_HELP}  --marketplace-url <url>  use an emulator at this origin (credentials default to its dev app)
  --hooks <module>         JS module exporting provision / decide / restore (env HOOKS_MODULE)

${PUBLISHER_ENV}`,
  options: { ...COMMON, ...PUBLISHER },
  async run(flags, positionals) {
    if (positionals[0] === 'backup') return (await import('./backup.js')).backupStore('publisher', flags, positionals.slice(1));
    noPositionals('publisher', positionals);
    const { publisherConfig } = await import('../settings/publisher.js');
    const config = publisherConfig(flags, process.env, 'publisher');
    const { describePublisher, startPublisherService } = await import('../servers/publisher.js');
    return serve(startPublisherService(config), config.port, (running) => describePublisher(running, config));
  },
};

export const devCommand: Command = {
  name: 'dev',
  usage: `Usage: saas-fulfillment dev [options]

Runs the emulator (port 4010) and the publisher service (port 3000) wired together on embedded
defaults: the emulator's landing page and webhook point at the publisher, the publisher's client and
token checks at the emulator. A generated admin password and app key are kept in the data folder.

${COMMON_HELP}  --marketplace-port <n>   the emulator's port (default 4010)
  --config <file>          catalog of publishers, offers and plans (JSON; default: the built-in demo catalog)
  --simulator-remote       let non-loopback callers use the simulator API and pages
  --control-token <token>  require this token (16+ characters) on the simulator API and pages (env SIMULATOR_CONTROL_TOKEN)
  --https                  the emulator over HTTPS, with a local certificate authority made in the data folder
  --tls-cert <file> --tls-key <file>   the emulator over HTTPS with your certificate and key (PEM)
  --chaos <file>           the emulator's seeded failures from the start (JSON, as PUT /simulator/chaos takes)
  --seed <file>            the emulator starts from a seed (YAML or JSON) and reset returns to it; --import <file>
                           starts it from a state snapshot; --export-on-exit <file> writes its state when stopped
  --hooks <module>         JS module exporting provision / decide / restore (env HOOKS_MODULE)
  --product <module>       your product beside them: a JS module exporting startProduct(options), given the
                           publisher's URL, app key and events secret; the publisher sends it its events and
                           links its landing page to it (npm start runs examples/product/product.js this way)
  --product-port <n>       the product's port (default 3100)

${PUBLISHER_ENV}`,
  options: {
    ...COMMON,
    config: { type: 'string' },
    'simulator-remote': { type: 'boolean' },
    'control-token': { type: 'string' },
    https: { type: 'boolean' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    chaos: { type: 'string' },
    seed: { type: 'string' },
    import: { type: 'string' },
    'export-on-exit': { type: 'string' },
    hooks: { type: 'string' },
    'marketplace-port': { type: 'string' },
    product: { type: 'string' },
    'product-port': { type: 'string' },
    // Refused with a reason rather than as an unknown flag.
    'in-memory': { type: 'boolean' },
  },
  async run(flags, positionals) {
    noPositionals('dev', positionals);
    const { startDev } = await import('../servers/dev.js');
    const running = await startDev(flags, process.env);
    process.stdout.write(`\n${running.summary}\n\n`);
    return untilSignal(() => running.close());
  },
};
