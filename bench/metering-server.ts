// Child process of the benchmark: an emulator (in memory) with 1,000 active subscriptions and a publisher
// that knows them, on the dialect named by BENCH_DATABASE_URL (SQLite if unset), its submitter driven
// by the parent over IPC; and, in the same process, the store's raw durable commit rate.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClientSecretCredential, MarketplaceClient } from '@saas-fulfillment/client';
import { buildMarketplace } from '@saas-fulfillment/marketplace';
import { Catalog, DEMO_CATALOG, DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import { openMarketplaceStore } from '@saas-fulfillment/marketplace';
import { buildPublisher } from '@saas-fulfillment/publisher';
import { createWebhookVerifier } from '@saas-fulfillment/publisher';
import { loadHooks } from '@saas-fulfillment/publisher';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { dropSchema } from '@saas-fulfillment/store';
import { answerRawCommits, rawCommitsPerSecond, settingsCommit } from './commits.js';

const SUBSCRIPTIONS = Number(process.env.BENCH_METERING_SUBSCRIPTIONS ?? 1000);
const APP_KEY = 'bench-app-key-0123456789';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const schema = databaseUrl ? `bench_${randomUUID().slice(0, 8)}` : undefined;

const mpStore = await openMarketplaceStore({ inMemory: true, dataDir: tmpdir() });
const marketplace = await buildMarketplace({ store: mpStore.store, catalog: Catalog.parse(structuredClone(DEMO_CATALOG)), runWorker: false });
const mpUrl = await marketplace.listen({ host: '127.0.0.1', port: 0 });
const { purchases, api } = marketplace.marketplace.fulfillment;
const publisherConfig = marketplace.marketplace.catalog.publisher(DEV_PUBLISHER.publisherId);
if (!publisherConfig) throw new Error('the demo catalog has no dev publisher');
for (let i = 0; i < SUBSCRIPTIONS; i++) {
  const { subscriptionId } = await purchases.purchase({ offerId: 'contoso-saas', planId: 'pro', quantity: 1 });
  await api.activate(publisherConfig, subscriptionId, { planId: 'pro', quantity: 1 });
}

const { store, database } = await openPublisherStore({ dataDir: mkdtempSync(path.join(tmpdir(), 'saas-metering-')), databaseUrl, schema, poolSize: 10 });
// A first measure warms the store up; the parent asks for one-second measures before and after its load.
await rawCommitsPerSecond(settingsCommit(store));
answerRawCommits(settingsCommit(store));

const client = new MarketplaceClient({
  baseUrl: `${mpUrl}/api`,
  credential: new ClientSecretCredential({ ...DEV_PUBLISHER, authorityHost: mpUrl }),
});
const publisher = await buildPublisher({
  store,
  client,
  verifier: createWebhookVerifier({ authority: mpUrl, tenantId: DEV_PUBLISHER.tenantId, clientId: DEV_PUBLISHER.clientId }),
  hooks: await loadHooks({}),
  branding: { productName: 'Bench' },
  adminPassword: 'bench-password',
  appApiKey: APP_KEY,
  runWorker: false,
  meteringIntervalMs: 0,
});
await publisher.publisher.fulfillment.projection.reconcile();
const url = await publisher.listen({ host: '127.0.0.1', port: 0 });
const subscriptionIds = (await mpStore.store.recentSubscriptions(SUBSCRIPTIONS)).map((s) => s.id);

process.on('message', (message: { command: string }) => {
  if (message.command !== 'submit') return;
  void (async () => {
    const begun = performance.now();
    const report = await publisher.publisher.metering.submit();
    const submitMs = performance.now() - begun;
    const billed = await mpStore.store.usage.daily({
      publisherId: DEV_PUBLISHER.publisherId,
      from: '2000-01-01T00:00:00.000Z',
      to: '2100-01-01T00:00:00.000Z',
    });
    const events = billed.reduce((n, d) => n + d.events, 0);
    const quantity = billed.reduce((n, d) => n + d.quantity, 0);
    process.send?.({ submitMs, report, events, quantity });
  })();
});
process.send?.({ url, appKey: APP_KEY, subscriptionIds, dialect: store.dialect });
process.on('SIGTERM', () => {
  void (async () => {
    await publisher.close();
    await marketplace.close();
    await database.close().catch(() => undefined);
    await mpStore.database.close();
    if (databaseUrl && schema) await dropSchema(databaseUrl, schema);
    process.exit(0);
  })();
});
