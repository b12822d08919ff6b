// `saas-fulfillment dev` (what `npm start` runs): the emulator and the publisher wired together on
// embedded defaults: the emulator's landing page and webhook point at the publisher, and the publisher's
// client and token validation at the emulator.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { portProblem } from '../command.js';
import { loadOrCreateDevSecrets } from '../settings/dev-secrets.js';
import { marketplaceConfig, withPublisherUrls } from '../settings/marketplace.js';
import { DEFAULTS } from '../settings/server.js';
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
  const publisherPort = await concretePort(ports.publisher);
  const marketplacePort = await concretePort(ports.marketplace);
  const host = typeof flags.host === 'string' ? flags.host : DEFAULTS.host;
  const publisherUrl = `http://${host}:${publisherPort}`;
  const base = marketplaceConfig({ ...flags, port: String(marketplacePort), 'marketplace-port': undefined }, env);
  const mpConfig = { ...base, catalog: withPublisherUrls(base.catalog, { webhookUrl: `${publisherUrl}/webhook`, landingPageUrl: `${publisherUrl}/landing` }) };
  const needsSecrets = !env.ADMIN_PASSWORD?.trim() || !env.APP_API_KEY?.trim();
  const devSecrets = needsSecrets ? loadOrCreateDevSecrets(path.resolve(stringFlag(flags, 'data-dir') ?? DEFAULTS.dataDir)) : undefined;
  const pubConfig = publisherConfig({ ...flags, port: String(publisherPort), 'marketplace-port': undefined }, env, 'dev', {
    marketplaceUrl: `${mpConfig.tls ? 'https' : 'http'}://${host}:${marketplacePort}`,
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
  try {
    // The product first: the publisher is told where to send its events and where its landing page links.
    let config = pubConfig;
    if (startProduct) {
      const wired = await startBeside(startProduct, pubConfig, { host, port: ports.product, publisherUrl, marketplaceUrl: marketplace.url });
      product = wired.product;
      config = wired.config;
    }
    const publisher = await startPublisherService(config, { meteringClock: marketplace.app.marketplace.clock }).catch((error: unknown) => {
      throw portProblem(error, publisherPort, '--port');
    });
    publisherStore = publisher.app.publisher.store;
    const running = product;
    return {
      summary: [
        describeMarketplace(marketplace),
        describePublisher(publisher, config),
        ...(running ? [describeProduct(running, String(productModule))] : []),
        `Buy in the simulator (${marketplace.url}/), follow the landing link, ${running ? 'activate, then open the product; watch it' : 'then watch it'} in the console (${publisher.url}/admin).`,
        `Or from another terminal: npx saas-fulfillment trigger purchase --plan pro --activate   (then: webhooks, clock advance P1M)`,
        ...(quiet ? ['Logs below: warnings and errors only (LOG_LEVEL=info prints every event as a JSON line).'] : []),
      ].join('\n\n'),
      // The product first (its last usage goes to the publisher), then both apps at once: each drains within its grace period.
      close: async () => {
        await running?.close();
        const [publisherCut, marketplaceCut] = await Promise.all([publisher.close(), marketplace.close()]);
        return [...publisherCut.map((work) => `publisher: ${work}`), ...marketplaceCut.map((work) => `marketplace: ${work}`)];
      },
    };
  } catch (error) {
    await product?.close();
    await marketplace.close();
    throw error;
  }
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
