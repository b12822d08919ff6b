// Child process of the benchmark: a publisher app that only ingests webhooks (worker off), validating a
// real RS256 token against a local key set, on the dialect named by BENCH_DATABASE_URL (SQLite if unset);
// and, in the same process, the store's raw durable commit rate.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { MarketplaceClient, StaticTokenCredential } from '@saas-fulfillment/client';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import { buildPublisher } from '@saas-fulfillment/publisher';
import { loadHooks } from '@saas-fulfillment/publisher';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { createWebhookVerifier } from '@saas-fulfillment/publisher';
import { dropSchema } from '@saas-fulfillment/store';
import { answerRawCommits, rawCommitsPerSecond, settingsCommit } from './commits.js';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const schema = databaseUrl ? `bench_${randomUUID().slice(0, 8)}` : undefined;
const { store, database } = await openPublisherStore({ dataDir: mkdtempSync(path.join(tmpdir(), 'saas-ingest-')), databaseUrl, schema, poolSize: 10 });

// A first measure warms the store up; the parent asks for one-second measures between its loads.
await rawCommitsPerSecond(settingsCommit(store));
answerRawCommits(settingsCommit(store));

const authority = 'https://login.example.test';
const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256' };
const token = await new SignJWT({ tid: DEV_PUBLISHER.tenantId, azp: MARKETPLACE_RESOURCE_ID })
  .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
  .setIssuer(`${authority}/${DEV_PUBLISHER.tenantId}/v2.0`)
  .setAudience(DEV_PUBLISHER.clientId)
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(privateKey);

const app = await buildPublisher({
  store,
  client: new MarketplaceClient({ baseUrl: 'http://127.0.0.1:9/api', credential: new StaticTokenCredential('unused') }),
  verifier: createWebhookVerifier({ authority, tenantId: DEV_PUBLISHER.tenantId, clientId: DEV_PUBLISHER.clientId }, createLocalJWKSet({ keys: [jwk] })),
  hooks: await loadHooks({}),
  branding: { productName: 'Bench' },
  adminPassword: 'bench-password',
  appApiKey: 'bench-key',
  runWorker: false,
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ url, token, dialect: store.dialect });
process.on('SIGTERM', () => {
  void app.close().then(async () => {
    await database.close().catch(() => undefined);
    if (databaseUrl && schema) await dropSchema(databaseUrl, schema);
    process.exit(0);
  });
});
