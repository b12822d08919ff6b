// Child process of the benchmark: an emulator and a publisher in memory with one active subscription, and
// a bare Fastify route serving the very bytes of its entitlement, side by side on loopback.
import Fastify from 'fastify';
import { ClientSecretCredential, MarketplaceClient } from '@saas-fulfillment/client';
import { buildMarketplace, Catalog, DEMO_CATALOG, DEV_PUBLISHER, openMarketplaceStore, SimulatorClient } from '@saas-fulfillment/marketplace';
import { buildPublisher, createWebhookVerifier, loadHooks, openPublisherStore } from '@saas-fulfillment/publisher';

const APP_KEY = 'bench-app-key-0123456789';
const mp = await openMarketplaceStore({ dataDir: '.', inMemory: true });
const marketplace = await buildMarketplace({ store: mp.store, catalog: Catalog.parse(DEMO_CATALOG) });
const marketplaceUrl = await marketplace.listen({ host: '127.0.0.1', port: 0 });
const { tenantId, clientId, clientSecret } = DEV_PUBLISHER;
const pub = await openPublisherStore({ dataDir: '.', inMemory: true });
const publisher = await buildPublisher({
  store: pub.store,
  client: new MarketplaceClient({
    baseUrl: `${marketplaceUrl}/api`,
    credential: new ClientSecretCredential({ tenantId, clientId, clientSecret, authorityHost: marketplaceUrl }),
  }),
  verifier: createWebhookVerifier({ authority: marketplaceUrl, tenantId, clientId }),
  hooks: await loadHooks({}),
  branding: { productName: 'Bench' },
  adminPassword: 'bench console password',
  appApiKey: APP_KEY,
  reconcileOnStart: false,
  logger: false,
});
const publisherUrl = await publisher.listen({ host: '127.0.0.1', port: 0 });
const simulator = new SimulatorClient(marketplaceUrl);
await simulator.setEndpoints(DEV_PUBLISHER.publisherId, { webhookUrl: `${publisherUrl}/webhook`, landingPageUrl: `${publisherUrl}/landing` });
const { subscriptionId } = await simulator.purchase({ offerId: 'contoso-saas', planId: 'instant' });
let body = '';
for (let attempt = 0; attempt < 100 && !body.includes('"full"'); attempt++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  body = await (await fetch(`${publisherUrl}/api/entitlements/${subscriptionId}`, { headers: { authorization: `Bearer ${APP_KEY}` } })).text();
}
if (!body.includes('"full"')) throw new Error(`the subscription did not become active: ${body}`);

const bare = Fastify();
bare.get('/entitlement', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

process.send?.({ publisherUrl, bareUrl, subscriptionId, appKey: APP_KEY });
process.on('SIGTERM', () => process.exit(0));
