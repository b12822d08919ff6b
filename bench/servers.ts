// Child process of the benchmark: a seeded emulator (BENCH_SUBSCRIPTIONS) and bare Fastify routes, side by
// side on loopback, so the load generator in the parent does not share their event loop; and the store's
// raw durable commit rate, the purchase's baseline.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { buildMarketplace } from '@saas-fulfillment/marketplace';
import { Catalog, DEMO_CATALOG } from '@saas-fulfillment/marketplace';
import { openMarketplaceStore } from '@saas-fulfillment/marketplace';
import type { SubscriptionRecord } from '@saas-fulfillment/marketplace/internals';
import { subscriptionToWire } from '@saas-fulfillment/marketplace/internals';
import { answerRawCommits, rawCommitsPerSecond, settingsCommit } from './commits.js';

const count = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10_000);
const dataDir = mkdtempSync(path.join(tmpdir(), 'saas-bench-'));
const { store } = await openMarketplaceStore({ dataDir, databaseUrl: process.env.DATABASE_URL });

const now = new Date().toISOString();
const seed = (i: number): SubscriptionRecord => ({
  id: randomUUID(),
  publisherId: 'contoso',
  offerId: 'contoso-saas',
  planId: 'pro',
  quantity: 1 + (i % 100),
  name: `Bench ${i}`,
  status: 'Subscribed',
  beneficiary: { emailId: `user${i}@customer.example.com`, tenantId: randomUUID(), objectId: randomUUID() },
  purchaser: { emailId: `user${i}@customer.example.com`, tenantId: randomUUID(), objectId: randomUUID() },
  termUnit: 'P1M',
  termStart: now,
  termEnd: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  autoRenew: true,
  isTest: false,
  isFreeTrial: false,
  allowedCustomerOperations: ['Read', 'Update', 'Delete'],
  sandboxType: 'None',
  sessionMode: 'None',
  created: now,
  lastModified: now,
  suspendedAt: undefined,
  azureSubscriptionId: randomUUID(),
  resourceGroup: 'rg-bench',
});
for (let start = 0; start < count; start += 1000) {
  await store.transaction(async (tx) => {
    for (let i = start; i < Math.min(start + 1000, count); i++) await tx.insertSubscription(seed(i));
  });
}

// A first measure warms the store up; the parent asks for one-second measures between its loads.
await rawCommitsPerSecond(settingsCommit(store));
answerRawCommits(settingsCommit(store));

const marketplace = await buildMarketplace({ store, catalog: new Catalog(structuredClone(DEMO_CATALOG)) });
const marketplaceUrl = await marketplace.listen({ host: '127.0.0.1', port: 0 });
const purchase = await marketplace.marketplace.fulfillment.purchases.purchase({ offerId: 'contoso-saas', planId: 'pro', quantity: 3 });

// The bare routes: the framework alone, with a tiny body and with a subscription-sized body.
const sampleBody = JSON.stringify(subscriptionToWire(seed(0)));
const bare = Fastify();
bare.get('/hello', async () => ({ hello: 'world' }));
bare.get('/subscription', async (_request, reply) => reply.type('application/json; charset=utf-8').send(sampleBody));
// The parent puts a list page here, so the bare route serves the very bytes the API does.
let pageBody = '{}';
bare.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 10 * 1024 * 1024 }, (_request, body, done) => done(null, body));
bare.put('/page', async (request) => {
  pageBody = String(request.body);
  return { length: pageBody.length };
});
bare.get('/page', async (_request, reply) => reply.type('application/json; charset=utf-8').send(pageBody));
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

process.send?.({ marketplaceUrl, bareUrl, landingToken: purchase.token, dialect: store.dialect });
process.on('SIGTERM', () => process.exit(0));
