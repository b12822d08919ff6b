// Writes docs/openapi.json: the publisher's application API as its routes describe it (npm run openapi).
// A publisher is built in memory, never started or connected: the document is made from its routes.
import { writeFileSync } from 'node:fs';
import { MarketplaceClient, StaticTokenCredential } from '@saas-fulfillment/client';
import { buildPublisher, createWebhookVerifier, loadHooks, openPublisherStore } from '@saas-fulfillment/publisher';

const NOWHERE = 'http://127.0.0.1:9';
const { store } = await openPublisherStore({ dataDir: '.', inMemory: true });
const app = await buildPublisher({
  store,
  client: new MarketplaceClient({ baseUrl: `${NOWHERE}/api`, credential: new StaticTokenCredential('unused') }),
  verifier: createWebhookVerifier({ authority: NOWHERE, tenantId: '00000000-0000-4000-8000-000000000000', clientId: '00000000-0000-4000-8000-000000000000' }),
  hooks: await loadHooks({}),
  branding: { productName: 'OpenAPI' },
  adminPassword: 'only-to-build-the-routes',
  appApiKey: 'only-to-build-the-routes',
  runWorker: false,
  reconcileOnStart: false,
  reconcileIntervalMs: 0,
  meteringIntervalMs: 0,
  logger: false,
});
await app.ready();
writeFileSync('docs/openapi.json', `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
console.log('docs/openapi.json written');
