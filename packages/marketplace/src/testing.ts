// `@saas-fulfillment/marketplace/testing`: the emulator in one line for a test suite. In the test's own
// process, in memory, on a free loopback port; a seed to start from and to reset to between tests.
//
//   const marketplace = await startMarketplace({ seed: 'test/seed.yaml' });
//   ... marketplace.client.getSubscription(id) ...
//   await marketplace.reset();   // between tests: back to the seed
//   await marketplace.close();   // after all
import { MarketplaceClient, ClientSecretCredential } from '@saas-fulfillment/client';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { buildMarketplace, type MarketplaceApp } from './app.js';
import { Catalog, DEMO_CATALOG, type CatalogConfig } from './catalog.js';
import { newSigningKey, type SigningKey } from './identity/keys.js';
import type { Seed } from './simulator/documents.js';
import type { MarketplaceOptions } from './services.js';
import { SimulatorClient } from './simulator/client.js';
import { checkedSeed } from './simulator/seed.js';
import { readDocumentFile } from './simulator/seed-file.js';
import { openMarketplaceStore } from './store/repository.js';

export type { Seed, SeedSubscription } from './simulator/documents.js';
export { SimulatorClient } from './simulator/client.js';

export interface StartMarketplaceOptions {
  /** The state to start from and `reset()` to: a seed, or the path of a YAML or JSON seed file. Its catalog, if it has one, is the emulator's. */
  seed?: Seed | string;
  /** The catalog when the seed has none (default: the built-in demo catalog, publisher `contoso`). */
  catalog?: CatalogConfig;
  /** Timings (acknowledgement window, retries...) to shorten for tests. */
  settings?: MarketplaceOptions['settings'];
  /** Log to standard output (default: silent). */
  logger?: boolean;
  /** Require this token on the simulator's control API and pages (the returned `simulator` sends it). */
  controlToken?: string;
}

/** The publisher's Entra app, as a publisher's code would be configured with it. */
export interface TestCredential {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The emulator's origin: where Entra's `login.microsoftonline.com` would be. */
  authorityHost: string;
  /** The scope to ask tokens for (the v2.0 endpoint). */
  scope: string;
}

export interface TestMarketplace {
  /** The emulator's origin (`http://127.0.0.1:<port>`); the fulfillment API is under `${url}/api`. */
  url: string;
  /** The first publisher's app in the catalog. */
  credential: TestCredential;
  /** The typed client of the fulfillment and metering APIs, signed in as that publisher. */
  client: MarketplaceClient;
  /** What the customer and time do: purchases, plan changes, suspension, the clock, webhooks sent. */
  simulator: SimulatorClient;
  /** The running app (services and store), for what the HTTP API does not reach. */
  app: MarketplaceApp;
  /** Back to the seed (or to nothing): state, faults, chaos and the clock. */
  reset(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// An RSA key takes tens of milliseconds to make: one per process serves every emulator a suite starts.
let processKey: Promise<SigningKey> | undefined;

export async function startMarketplace(options: StartMarketplaceOptions = {}): Promise<TestMarketplace> {
  const seed = typeof options.seed === 'string' ? readDocumentFile(options.seed) : options.seed;
  const checked = seed === undefined ? undefined : checkedSeed(seed, typeof options.seed === 'string' ? options.seed : 'seed');
  const catalog = new Catalog(structuredClone(checked?.catalog ?? options.catalog ?? DEMO_CATALOG));
  processKey ??= newSigningKey();
  const { store, database } = await openMarketplaceStore({ inMemory: true, dataDir: '' });
  let app: MarketplaceApp;
  try {
    app = await buildMarketplace({
      store,
      catalog,
      key: processKey,
      logger: options.logger ?? false,
      settings: options.settings,
      seed: checked,
      controlToken: options.controlToken,
      closeGraceMs: 1000,
      onClose: () => database.close(),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = app.marketplace.publicUrl();
  const [publisher] = catalog.publishers;
  if (!publisher) throw new Error('the catalog has no publisher');
  const credential = {
    tenantId: publisher.tenantId,
    clientId: publisher.clientId,
    clientSecret: publisher.clientSecret,
    authorityHost: url,
    scope: `${MARKETPLACE_RESOURCE_ID}/.default`,
  };
  const client = new MarketplaceClient({ baseUrl: `${url}/api`, credential: new ClientSecretCredential(credential) });
  const close = async () => {
    await app.close();
  };
  return {
    url,
    credential,
    client,
    simulator: new SimulatorClient(url, { controlToken: options.controlToken }),
    app,
    reset: async () => {
      await app.marketplace.reset();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
