// What Microsoft adds without notice (a term unit `PAY`, a status, an action) must never crash the
// client, the publisher's worker or a page: the raw value is kept, shown, and logged once as a warning.
// A stand-in for Microsoft's API answers with such values; the publisher runs for real against it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { after, before, describe, it } from 'node:test';
import { MarketplaceClient, StaticTokenCredential } from '@saas-fulfillment/client';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { buildPublisher, type PublisherApp } from '@saas-fulfillment/publisher';
import { loadHooks } from '@saas-fulfillment/publisher';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { createWebhookVerifier } from '@saas-fulfillment/publisher';
import { testLocation } from '../helpers/databases.js';
import { WebSession } from '../helpers/web-session.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const APP = '22222222-2222-4222-8222-222222222222';
const AUTHORITY = 'https://login.example.test';
const subscriptionId = randomUUID();
const operationId = randomUUID();

/** A subscription as a future marketplace might send it. */
const futureSubscription = () => ({
  id: subscriptionId,
  publisherId: 'contoso',
  offerId: 'contoso-saas',
  name: 'From the future',
  saasSubscriptionStatus: 'Frozen',
  beneficiary: { tenantId: randomUUID(), emailId: 'buyer@fabrikam.example' },
  purchaser: { tenantId: randomUUID(), emailId: 'buyer@fabrikam.example' },
  planId: 'pro',
  quantity: 3,
  term: { termUnit: 'PAY', startDate: '2026-01-01T00:00:00Z', endDate: '2026-02-01T00:00:00Z' },
  autoRenew: true,
  isTest: false,
  isFreeTrial: false,
  allowedCustomerOperations: ['Read', 'Update', 'Transfer'],
  sandboxType: 'None',
  sessionMode: 'None',
  created: '2026-01-01T00:00:00Z',
  brandNewField: { kept: true },
});

const futureOperation = () => ({
  id: operationId,
  activityId: randomUUID(),
  subscriptionId,
  offerId: 'contoso-saas',
  publisherId: 'contoso',
  planId: 'pro',
  quantity: 3,
  action: 'Transfer',
  timeStamp: '2026-01-02T00:00:00Z',
  status: 'Settling',
  operationRequestSource: 'Azure',
});

describe('values the marketplace adds later', () => {
  let microsoft: FastifyInstance;
  let publisher: PublisherApp;
  let publisherUrl: string;
  let signingKey: CryptoKey;
  const warnings: { field: string; value: unknown }[] = [];
  const logger = { debug() {}, warn: (obj: object) => void warnings.push(obj as { field: string; value: unknown }) };
  let location: ReturnType<typeof testLocation>;

  before(async () => {
    microsoft = Fastify();
    // Microsoft's API takes bodiless POSTs with Content-Type: application/json (resolve).
    microsoft.removeContentTypeParser('application/json');
    microsoft.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body ? JSON.parse(body as string) : undefined),
    );
    microsoft.get('/api/saas/subscriptions/:id', async () => futureSubscription());
    microsoft.get('/api/saas/subscriptions', async () => ({ subscriptions: [futureSubscription()] }));
    microsoft.get('/api/saas/subscriptions/:id/operations/:op', async () => futureOperation());
    microsoft.get('/api/saas/subscriptions/:id/listAvailablePlans', async () => ({ plans: [] }));
    microsoft.post('/api/saas/subscriptions/resolve', async () => {
      const subscription = futureSubscription();
      return {
        id: subscription.id,
        subscriptionName: subscription.name,
        offerId: subscription.offerId,
        planId: subscription.planId,
        quantity: 3,
        subscription,
      };
    });
    const api = await microsoft.listen({ host: '127.0.0.1', port: 0 });

    const pair = await generateKeyPair('RS256', { extractable: true });
    signingKey = pair.privateKey;
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
    location = testLocation('sqlite');
    const { store, database } = await openPublisherStore({ dataDir: location.dataDir });
    publisher = await buildPublisher({
      store,
      client: new MarketplaceClient({ baseUrl: `${api}/api`, credential: new StaticTokenCredential('token'), logger, retry: { maxAttempts: 1 } }),
      verifier: createWebhookVerifier({ authority: AUTHORITY, tenantId: TENANT, clientId: APP }, jwks),
      hooks: await loadHooks({}),
      branding: { productName: 'Fabrikam Analytics' },
      adminPassword: 'correct horse battery staple',
      appApiKey: 'app-key-for-tests-0123456789',
      reconcileOnStart: false,
      reconcileIntervalMs: 0,
      worker: { pollIntervalMs: 50, backoff: () => 100 },
      onClose: async () => {
        await database.close();
        await location.cleanup();
      },
    });
    publisherUrl = await publisher.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await publisher.close();
    await microsoft.close();
  });

  it('the client keeps the new values and warns once for each', async () => {
    const client = new MarketplaceClient({ baseUrl: `${microsoft.listeningOrigin}/api`, credential: new StaticTokenCredential('t'), logger });
    warnings.length = 0;
    const first = await client.getSubscription(subscriptionId);
    await client.getSubscription(subscriptionId);
    assert.equal(first.saasSubscriptionStatus as string, 'Frozen');
    assert.equal(first.term.termUnit as string, 'PAY');
    assert.deepEqual((first as unknown as { brandNewField: unknown }).brandNewField, { kept: true });
    const operation = await client.getOperation(subscriptionId, operationId);
    assert.deepEqual([operation.action as string, operation.status as string], ['Transfer', 'Settling']);
    assert.deepEqual(
      warnings.map((w) => `${w.field}=${String(w.value)}`).sort(),
      ['action=Transfer', 'allowedCustomerOperations=Transfer', 'saasSubscriptionStatus=Frozen', 'status=Settling', 'termUnit=PAY'],
      'one warning per new value, however often it comes',
    );
  });

  it("the publisher's worker takes a webhook with a new action and status, and records the raw values", async () => {
    const token = await new SignJWT({ tid: TENANT, azp: MARKETPLACE_RESOURCE_ID, appid: MARKETPLACE_RESOURCE_ID, ver: '2.0' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(`${AUTHORITY}/${TENANT}/v2.0`)
      .setAudience(APP)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signingKey);
    const webhook = await fetch(`${publisherUrl}/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...futureOperation(), subscription: futureSubscription(), purchaseToken: null }),
    });
    assert.equal(webhook.status, 200, 'stored, not refused');
    await publisher.publisher.worker.drain();
    const store = publisher.publisher.store;
    const local = (await store.getSubscription(subscriptionId))!;
    assert.deepEqual([local.status, local.termUnit], ['Frozen', 'PAY']);
    assert.deepEqual(
      (await store.operationsOf(subscriptionId)).map((o) => [o.action, o.marketplaceStatus]),
      [['Transfer', 'Settling']],
    );
    const jobs = await store.jobs.list({ subscriptionId, limit: 10 });
    assert.ok(
      jobs.every((j) => j.status === 'done'),
      `no job failed: ${JSON.stringify(jobs.map((j) => [j.kind, j.status, j.lastError]))}`,
    );
  });

  it('the console, the landing page and the entitlement API show the raw values', async () => {
    const admin = new WebSession(publisherUrl);
    await admin.submit('/admin/login', '/admin/login', { password: 'correct horse battery staple' });
    const { cookie } = admin;
    for (const path of ['/admin', `/admin/subscriptions/${subscriptionId}`]) {
      const page = await fetch(`${publisherUrl}${path}`, { headers: { cookie } });
      assert.equal(page.status, 200, `${path}: ${await page.clone().text()}`);
      const text = await page.text();
      assert.match(text, /Frozen/, path);
    }
    assert.match(await (await fetch(`${publisherUrl}/admin/subscriptions/${subscriptionId}`, { headers: { cookie } })).text(), /PAY/);
    const landing = await fetch(`${publisherUrl}/landing?token=anything`);
    assert.equal(landing.status, 200, await landing.clone().text());
    assert.match(await landing.text(), /Frozen/);
    const entitlement = await fetch(`${publisherUrl}/api/entitlements/${subscriptionId}`, {
      headers: { authorization: 'Bearer app-key-for-tests-0123456789' },
    });
    assert.equal(entitlement.status, 200);
    const body = (await entitlement.json()) as { status: string; access: string };
    assert.deepEqual([body.status, body.access], ['Frozen', 'none'], 'an unknown status grants no access');
  });
});
