// Both apps wired together for end-to-end tests, each on its own port: the emulator's webhook and landing
// page point at the publisher, the publisher's client and token validation point at the emulator.
import { ClientSecretCredential, MarketplaceClient } from '@saas-fulfillment/client';
import type { DialectName } from '@saas-fulfillment/store';
import { buildPublisher, type PublisherApp, type PublisherOptions } from '@saas-fulfillment/publisher';
import { loadHooks, type PublisherHooks } from '@saas-fulfillment/publisher';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { createWebhookVerifier } from '@saas-fulfillment/publisher';
import { testLocation } from './databases.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace, type TestMarketplaceOptions } from './marketplace.js';
import { hiddenFields, WebSession } from './web-session.js';

export const ADMIN_PASSWORD = 'correct horse battery staple';
export const APP_API_KEY = 'app-key-for-tests-0123456789';

export interface TestStack {
  mp: TestMarketplace;
  publisher: PublisherApp;
  publisherUrl: string;
  client: MarketplaceClient;
  /** A browser signed in to the console (through the sign-in form, CSRF token and all). */
  admin(): Promise<WebSession>;
  /** The Cookie header of a browser signed in to the console. */
  adminCookie(): Promise<string>;
  /** Runs the publisher's due jobs and the emulator's due work until both are quiet. */
  settle(): Promise<void>;
  /** Buys in the simulator, opens the landing page as a browser would and confirms; returns the subscription id. */
  buyAndActivate(purchase?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  dialect?: DialectName;
  hooks?: Partial<PublisherHooks>;
  marketplace?: TestMarketplaceOptions;
  publisher?: Partial<PublisherOptions>;
  /** Use this database location (schema/dir) instead of a fresh one: for two publishers on one database. */
  location?: ReturnType<typeof testLocation>;
}

export async function startPublisher(
  mpUrl: string,
  options: TestStackOptions & { port?: number } = {},
): Promise<{ publisher: PublisherApp; url: string; client: MarketplaceClient }> {
  const location = options.location ?? testLocation(options.dialect ?? 'sqlite');
  const { store, database } = await openPublisherStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema });
  const credential = new ClientSecretCredential({
    tenantId: DEV_PUBLISHER.tenantId,
    clientId: DEV_PUBLISHER.clientId,
    clientSecret: DEV_PUBLISHER.clientSecret,
    authorityHost: mpUrl,
  });
  const client = new MarketplaceClient({ baseUrl: `${mpUrl}/api`, credential, retry: { baseDelayMs: 50, maxDelayMs: 200 } });
  const publisher = await buildPublisher({
    store,
    client,
    credential,
    verifier: createWebhookVerifier({ authority: mpUrl, tenantId: DEV_PUBLISHER.tenantId, clientId: DEV_PUBLISHER.clientId }),
    hooks: await loadHooks({}, options.hooks),
    branding: { productName: 'Contoso Cloud' },
    adminPassword: ADMIN_PASSWORD,
    // The sign-in tests hash hundreds of guesses: at a sixteenth of the default cost they spend CPU on what
    // they test, not on scrypt. The command's tests (test/cli) keep the default.
    adminPasswordHashCost: 1024,
    appApiKey: APP_API_KEY,
    reconcileIntervalMs: 0,
    reconcileOnStart: false,
    meteringIntervalMs: 0,
    activationWaitMs: 3000,
    // Tests buy many subscriptions from one address; test/security/anonymous-traffic.test.ts keeps the default.
    landingResolvesPerMinute: 1000,
    worker: { pollIntervalMs: 50, backoff: () => 100 },
    ...options.publisher,
    // A sign-in configured without an issuer uses the emulator's Entra stand-in.
    ...(options.publisher?.signIn
      ? {
          signIn: {
            ...options.publisher.signIn,
            settings: { ...options.publisher.signIn.settings, issuer: options.publisher.signIn.settings.issuer || `${mpUrl}/${DEV_PUBLISHER.tenantId}/v2.0` },
          },
        }
      : {}),
    onClose: async () => {
      await database.close();
      if (!options.location) await location.cleanup();
    },
  });
  const url = await publisher.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return { publisher, url, client };
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const mp = await startTestMarketplace({ dialect: options.dialect, ...options.marketplace });
  const { publisher, url: publisherUrl, client } = await startPublisher(mp.url, options);
  // The emulator learns where the publisher listens as a developer tells it at run time (the simulator's
  // settings): the catalog's own webhook or landing page, when the test gave one, stays.
  const { catalog, endpoints } = mp.app.marketplace;
  const given = options.marketplace?.publisher ?? {};
  await endpoints.update(catalog.requirePublisher(DEV_PUBLISHER.publisherId), {
    ...(given.webhookUrl ? {} : { webhookUrl: `${publisherUrl}/webhook` }),
    ...(given.landingPageUrl ? {} : { landingPageUrl: `${publisherUrl}/landing` }),
  });
  const settle = async () => {
    for (let round = 0; round < 20; round++) {
      const done = (await mp.app.marketplace.worker.drain()) + (await publisher.publisher.worker.drain());
      if (done === 0) return;
    }
  };
  const admin = async () => {
    const browser = new WebSession(publisherUrl);
    const signedIn = await browser.submit('/admin/login', '/admin/login', { password: ADMIN_PASSWORD });
    if (signedIn.status !== 303 || signedIn.location !== '/admin') throw new Error(`sign-in failed: ${signedIn.status} ${signedIn.text}`);
    return browser;
  };
  const buyAndActivate = async (purchase: Record<string, unknown> = {}) => {
    const bought = await mp.purchase(purchase);
    const buyer = new WebSession(publisherUrl);
    const landing = await buyer.get(bought.landingPageUrl);
    if (!/Confirm your purchase/.test(landing.text)) throw new Error(`landing page: ${landing.status} ${landing.text.slice(0, 300)}`);
    const confirm = await buyer.post('/landing/activate', hiddenFields(landing.text, '/landing/activate'));
    const done = await buyer.get(confirm.location ?? '');
    if (!/Your subscription is active/.test(done.text)) throw new Error(`activation: ${done.status} ${done.text.slice(0, 300)}`);
    return bought.subscriptionId;
  };
  return {
    mp,
    publisher,
    publisherUrl,
    client,
    settle,
    buyAndActivate,
    admin,
    adminCookie: async () => (await admin()).cookie,
    async close() {
      await publisher.close();
      await mp.close();
    },
  };
}
