// `saas-fulfillment dev` (what `npm start` runs): the emulator and the publisher wired together on
// embedded defaults: the emulator's landing page and webhook point at the publisher, and the publisher's
// client and token validation at the emulator. With --product, the vendor's product beside them, its users
// signing in through the emulator's Entra stand-in. While it runs, its URLs are in the data folder
// (dev-state.ts), so the terminal commands reach it on the ports it took.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { portProblem } from '../command.js';
import { DEFAULT_MARKETPLACE_URL } from '../commands/control.js';
import { writeDevState } from '../dev-state.js';
import { loadOrCreateDevSecrets } from '../settings/dev-secrets.js';
import { marketplaceConfig, withPublisherUrls } from '../settings/marketplace.js';
import { DEFAULTS, linkHost, SERVER_SETTINGS } from '../settings/server.js';
import { publisherConfig } from '../settings/publisher.js';
import { ConfigError, port, readSettings, stringFlag, type Env, type Flags } from '../settings/read.js';
import { describeMarketplace, startMarketplace } from './marketplace.js';
import { describeProduct, loadProduct, startBeside, type RunningProduct } from './product.js';
import { describePublisher, startPublisherService } from './publisher.js';

export async function startDev(flags: Flags, given: Env): Promise<{ summary: string; close(): Promise<readonly string[]> }> {
  // The terminal shows the banner, then only what needs a look: JSON lines of every event would bury it.
  const quiet = flags['log-level'] === undefined && !given.LOG_LEVEL?.trim();
  const env: Env = quiet ? { ...given, LOG_LEVEL: 'warn' } : given;
  // The publisher would keep subscriptions an in-memory marketplace forgets at every restart.
  if (flags['in-memory'] === true) throw new ConfigError('--in-memory is for the marketplace command; dev keeps both apps in the data folder');
  const ports = readSettings(
    {
      publisher: { flag: 'port', ...port(DEFAULTS.publisherPort) },
      marketplace: { flag: 'marketplace-port', ...port(DEFAULTS.marketplacePort) },
      product: { flag: 'product-port', ...port(DEFAULTS.productPort) },
    },
    flags,
    env,
  );
  const productModule = stringFlag(flags, 'product');
  const startProduct = productModule ? await loadProduct(productModule) : undefined;
  // Each app must know the others' addresses before any starts (the emulator registers the product's sign-in).
  const publisherPort = await concretePort(ports.publisher);
  const marketplacePort = await concretePort(ports.marketplace);
  const productPort = startProduct ? await concretePort(ports.product) : ports.product;
  const host = typeof flags.host === 'string' ? flags.host : DEFAULTS.host;
  const linked = linkHost(host);
  const publisherUrl = `http://${linked}:${publisherPort}`;
  const productUrl = `http://${linked}:${productPort}`;
  const base = marketplaceConfig({ ...flags, port: String(marketplacePort), 'marketplace-port': undefined }, env);
  const mpConfig = {
    ...base,
    catalog: withPublisherUrls(base.catalog, {
      webhookUrl: `${publisherUrl}/webhook`,
      landingPageUrl: `${publisherUrl}/landing`,
      // Where the Entra stand-in may send its users back: the publisher's sign-in and the product's.
      redirectUris: [`${publisherUrl}/auth/callback`, ...(startProduct ? [`${productUrl}/auth/callback`] : [])],
    }),
  };
  // --data-dir or DATA_DIR (a container's volume): every file dev writes goes there.
  const dataDir = path.resolve(readSettings({ dataDir: SERVER_SETTINGS.dataDir }, flags, env).dataDir);
  const needsSecrets = !env.ADMIN_PASSWORD?.trim() || !env.APP_API_KEY?.trim();
  const devSecrets = needsSecrets ? loadOrCreateDevSecrets(dataDir) : undefined;
  const pubConfig = publisherConfig({ ...flags, port: String(publisherPort), 'marketplace-port': undefined }, env, 'dev', {
    marketplaceUrl: `${mpConfig.tls ? 'https' : 'http'}://${linked}:${marketplacePort}`,
    ...(devSecrets ? { devSecrets } : {}),
  });
  // A reset (the `reset` command, the simulator's button) empties both apps: the publisher would otherwise
  // keep subscriptions the emulator no longer has, which no reconciliation repairs.
  let publisherStore: { clearState(): Promise<void> } | undefined;
  const marketplace = await startMarketplace(mpConfig, { onReset: async () => publisherStore?.clearState() }).catch((error: unknown) => {
    throw portProblem(error, marketplacePort, '--marketplace-port');
  });
  // The publisher in this process calls the emulator over HTTPS: it trusts the emulator's certificate.
  if (marketplace.trust) (await import('../tls.js')).trustInProcess(readFileSync(marketplace.trust, 'utf8'));
  let product: RunningProduct | undefined;
  let forget: (() => void) | undefined;
  try {
    // The product first: the publisher is told where to send its events and where its landing page links.
    let config = pubConfig;
    if (startProduct) {
      const wired = await startBeside(startProduct, pubConfig, { host, port: productPort, publisherUrl, marketplaceUrl: marketplace.url });
      product = wired.product;
      config = wired.config;
    }
    const publisher = await startPublisherService(config, { meteringClock: marketplace.app.marketplace.clock }).catch((error: unknown) => {
      throw portProblem(error, publisherPort, '--port');
    });
    publisherStore = publisher.app.publisher.store;
    const running = product;
    forget = writeDevState(dataDir, { marketplaceUrl: marketplace.url, publisherUrl: publisher.url, productUrl: running?.url, pid: process.pid });
    return {
      summary: [
        describeMarketplace(marketplace),
        describePublisher(publisher, config),
        ...(running ? [describeProduct(running, String(productModule))] : []),
        nextSteps(marketplace.url, publisher.url, running !== undefined),
        ...(quiet ? ['Logs below: warnings and errors only (LOG_LEVEL=info prints every event as a JSON line).'] : []),
      ].join('\n\n'),
      // The product first (its last usage goes to the publisher), then both apps at once: each drains within its grace period.
      close: async () => {
        forget?.();
        await running?.close();
        const [publisherCut, marketplaceCut] = await Promise.all([publisher.close(), marketplace.close()]);
        return [...publisherCut.map((work) => `publisher: ${work}`), ...marketplaceCut.map((work) => `marketplace: ${work}`)];
      },
    };
  } catch (error) {
    forget?.();
    await product?.close();
    await marketplace.close();
    throw error;
  }
}

/**
 * What to do first, with the commands as they must be typed here: `--marketplace-url` when the emulator is
 * not where the commands look by default (they also find it through the data folder, from this folder).
 */
function nextSteps(marketplaceUrl: string, publisherUrl: string, withProduct: boolean): string {
  const where = marketplaceUrl === DEFAULT_MARKETPLACE_URL ? '' : ` --marketplace-url ${marketplaceUrl}`;
  return [
    `Buy in the simulator (${marketplaceUrl}/), follow the landing link, ${withProduct ? 'activate, then open the product; watch it' : 'then watch it'} in the console (${publisherUrl}/admin).`,
    `Or from another terminal: npx saas-fulfillment trigger purchase --plan pro --activate${where}`,
    `  (then: npx saas-fulfillment webhooks${where}   npx saas-fulfillment clock advance P1M${where})`,
  ].join('\n');
}

/** Port 0 means "any free port"; both apps must know each other's port before either starts. */
async function concretePort(port: number): Promise<number> {
  if (port !== 0) return port;
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}
