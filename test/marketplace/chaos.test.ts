// Chaos on a schedule, seeded: each kind of failure does what it says (API 500/503/429 and hangs, token
// outages, webhooks dropped, doubled or late, answers with values newer than the spec), the same seed
// and the same calls make the same choices, and the client rides through what it can.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ClientSecretCredential, MarketplaceClient, MarketplaceError } from '@saas-fulfillment/client';
import { DEV_PUBLISHER, startTestMarketplace, TestClock, type TestMarketplace } from '../helpers/marketplace.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';

type Body = Record<string, unknown>;

describe('simulator chaos', () => {
  let mp: TestMarketplace;
  let receiver: WebhookReceiver;
  let clock: TestClock;

  before(async () => {
    receiver = await startWebhookReceiver();
    clock = new TestClock('2026-05-01T10:00:00.000Z');
    mp = await startTestMarketplace({ clock, publisher: { webhookUrl: receiver.url } });
  });
  after(async () => {
    await mp.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await mp.http('DELETE', '/simulator/chaos');
  });

  const chaos = async (settings: Body) => {
    const r = await mp.http('PUT', '/simulator/chaos', { body: settings });
    assert.equal(r.status, 200, r.text);
    return (r.body as { chaos: Body }).chaos;
  };
  /** A call that chaos may answer outside the spec (503, 429): read raw, without the contract check. */
  const get = async (path: string) =>
    mp.http('GET', `/api${path}${path.includes('?') ? '&' : '?'}api-version=2018-08-31`, { headers: { authorization: `Bearer ${await mp.token()}` } });
  const client = (options: Partial<ConstructorParameters<typeof MarketplaceClient>[0]> = {}) =>
    new MarketplaceClient({
      baseUrl: `${mp.url}/api`,
      credential: new ClientSecretCredential({ ...DEV_PUBLISHER, authorityHost: mp.url }),
      retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 6 },
      ...options,
    });

  it('answers the drawn share of API calls with 500, 503 or 429 (Retry-After), and says the seed', async () => {
    const id = await mp.subscribe();
    const on = await chaos({ seed: 42, api: { rate: 1, kinds: ['503'], retryAfterSeconds: 2 } });
    assert.equal(on.seed, 42);
    const r = await get(`/saas/subscriptions/${id}`);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.deepEqual(((await mp.http('GET', '/simulator/chaos')).body as { chaos: Body }).chaos.seed, 42);
    await mp.http('DELETE', '/simulator/chaos');
    assert.equal((await mp.api('GET', `/saas/subscriptions/${id}`)).status, 200);
  });

  it('makes the same choices for the same seed and the same calls', async () => {
    const id = await mp.subscribe();
    const run = async (seed: number) => {
      await chaos({ seed, api: { rate: 0.5, kinds: ['500', '429'] } });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await get(`/saas/subscriptions/${id}`)).status);
      return statuses;
    };
    const first = await run(7);
    assert.deepEqual(await run(7), first);
    assert.ok(first.includes(200) && first.some((s) => s !== 200), first.join(','));
    assert.notDeepEqual(await run(8), first, 'another seed, other choices');
  });

  it('hangs a call past the client timeout; the client gives up with Timeout, then retries through a partial rate', async () => {
    const id = await mp.subscribe();
    await chaos({ seed: 1, api: { rate: 1, kinds: ['hang'], hangMs: 400 } });
    await assert.rejects(client({ timeoutMs: 100, retry: { maxAttempts: 1 } }).getSubscription(id), (error: unknown) => {
      assert.ok(error instanceof MarketplaceError);
      assert.equal(error.code, 'Timeout');
      return true;
    });
    await chaos({ seed: 3, api: { rate: 0.5, kinds: ['500', '503', '429'], retryAfterSeconds: 0 } });
    const reader = client();
    for (let i = 0; i < 10; i++) assert.equal((await reader.getSubscription(id)).id, id, 'reads retry through chaos');
  });

  it('has token outages (503, AADSTS90033) that the client retries through', async () => {
    await chaos({ seed: 5, tokens: { outage: 1 } });
    const form = {
      grant_type: 'client_credentials',
      client_id: DEV_PUBLISHER.clientId,
      client_secret: DEV_PUBLISHER.clientSecret,
      scope: '20e940b3-4c77-4b0b-9a53-9e16a1b010a7/.default',
    };
    const refused = await mp.http('POST', `/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, { form });
    assert.equal(refused.status, 503);
    assert.match(String((refused.body as Body).error_description), /^AADSTS90033/);
    await chaos({ seed: 5, tokens: { outage: 0.5 } });
    const id = await mp.subscribe();
    for (let i = 0; i < 5; i++) assert.equal((await client().getSubscription(id)).id, id, 'a fresh client gets its token through the outages');
  });

  it('drops, doubles or delays webhooks', async () => {
    const deliveries = (id: string) => receiver.received.filter((r) => r.body.subscriptionId === id).length;
    const suspend = async (id: string) => {
      assert.equal((await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } })).status, 202);
      await mp.app.marketplace.worker.drain();
    };
    await chaos({ seed: 11, webhooks: { drop: 1 } });
    const dropped = await mp.subscribe();
    await suspend(dropped);
    assert.equal(deliveries(dropped), 0, 'never sent');
    const log = (await mp.http('GET', `/simulator/webhooks?subscriptionId=${dropped}`)).body as { deliveries: Body[] };
    assert.deepEqual([log.deliveries[0]?.status, log.deliveries[0]?.lastError], ['Abandoned', 'dropped by chaos: never sent']);

    await chaos({ seed: 11, webhooks: { duplicate: 1 } });
    const doubled = await mp.subscribe();
    await suspend(doubled);
    assert.equal(deliveries(doubled), 2, 'delivered twice');

    await chaos({ seed: 11, webhooks: { late: 1, lateMs: 60_000 } });
    const late = await mp.subscribe();
    await suspend(late);
    assert.equal(deliveries(late), 0, 'not yet');
    clock.advance(60_000);
    await mp.app.marketplace.worker.drain();
    assert.equal(deliveries(late), 1, 'delivered once its delay is over');
  });

  it('dresses subscription answers in values newer than the spec, which the client keeps', async () => {
    const id = await mp.subscribe();
    await chaos({ seed: 2, unknownValues: 1 });
    const raw = (await get(`/saas/subscriptions/${id}`)).body as Body;
    assert.equal(raw.sandboxType, 'FutureSandbox');
    assert.ok(raw.marketplaceChaos);
    const read = await client().getSubscription(id);
    assert.equal(String(read.sandboxType), 'FutureSandbox');
    assert.ok((read.allowedCustomerOperations as string[]).includes('Transfer'));
    const listed = [];
    for await (const subscription of client().listSubscriptions()) listed.push(subscription);
    assert.ok(listed.every((s) => String(s.sandboxType) === 'FutureSandbox'));
  });

  it('refuses chaos settings that are not fractions, naming the field', async () => {
    const r = await mp.http('PUT', '/simulator/chaos', { body: { api: { rate: 2 } } });
    assert.equal(r.status, 400);
    assert.match(String((r.body as Body).target), /api\.rate/);
  });
});
