// The client against the real emulator over HTTP: every method, pagination over 250+ subscriptions,
// typed errors, and the landing-token decoding that vendors get wrong.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential, landingPageToken, MarketplaceClient, MarketplaceError, StaticTokenCredential } from '@saas-fulfillment/client';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';

describe('MarketplaceClient against the emulator', () => {
  let mp: TestMarketplace;
  let receiver: WebhookReceiver;
  let client: MarketplaceClient;

  before(async () => {
    receiver = await startWebhookReceiver();
    mp = await startTestMarketplace({
      publisher: { webhookUrl: receiver.url, landingPageUrl: 'https://publisher.example.com/landing?src=marketplace' },
      settings: { partnerOperationDelayMs: 50 },
    });
    client = new MarketplaceClient({
      baseUrl: `${mp.url}/api`,
      credential: new ClientSecretCredential({
        tenantId: DEV_PUBLISHER.tenantId,
        clientId: DEV_PUBLISHER.clientId,
        clientSecret: DEV_PUBLISHER.clientSecret,
        authorityHost: mp.url,
      }),
    });
  });
  after(async () => {
    await mp.close();
    await receiver.close();
  });

  it('resolves the token taken from the landing URL, then activates', async () => {
    const bought = await mp.purchase({ planId: 'pro', quantity: 4 });
    const token = landingPageToken(new URL(bought.landingPageUrl!));
    assert.equal(token, bought.token);
    const resolved = await client.resolve(token!);
    assert.equal(resolved.id, bought.subscriptionId);
    assert.equal(resolved.quantity, 4);
    assert.equal(resolved.subscription.saasSubscriptionStatus, 'PendingFulfillmentStart');
    await client.activate(resolved.id, { planId: resolved.planId, quantity: resolved.quantity });
    assert.equal((await client.getSubscription(resolved.id)).saasSubscriptionStatus, 'Subscribed');
  });

  it('refuses a token no marketplace token looks like (empty, not printable ASCII) as a 400, without a call', async () => {
    let calls = 0;
    const counting = new MarketplaceClient({
      baseUrl: `${mp.url}/api`,
      credential: new StaticTokenCredential('unused'),
      fetch: async (...args: Parameters<typeof fetch>) => {
        calls++;
        return fetch(...args);
      },
    });
    for (const token of ['', '😀', 'line\nbreak', 'caf\u00e9']) {
      await assert.rejects(
        counting.resolve(token),
        (error: unknown) => error instanceof MarketplaceError && error.status === 400 && error.code === 'BadArgument',
      );
    }
    assert.equal(calls, 0);
  });

  it('lists available plans, all or one', async () => {
    const id = await mp.subscribe();
    assert.deepEqual(
      (await client.listAvailablePlans(id)).map((p) => p.planId),
      ['basic', 'pro', 'enterprise', 'instant'],
    );
    assert.deepEqual(
      (await client.listAvailablePlans(id, 'basic')).map((p) => p.planId),
      ['basic'],
    );
  });

  it('changes plan and seats and cancels, returning operations that waitForOperation follows to the end', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    const plan = await client.changePlan(id, 'enterprise');
    assert.match(plan.operationLocation, new RegExp(`/operations/${plan.operationId}\\?api-version=2018-08-31$`));
    assert.equal((await client.waitForOperation(id, plan.operationId, { pollIntervalMs: 20 })).status, 'Succeeded');
    assert.equal((await client.getSubscription(id)).planId, 'enterprise');

    const seats = await client.changeQuantity(id, 25);
    assert.equal((await client.waitForOperation(id, seats.operationId, { pollIntervalMs: 20 })).status, 'Succeeded');
    assert.equal((await client.getSubscription(id)).quantity, 25);

    const cancel = await client.unsubscribe(id);
    const done = await client.waitForOperation(id, cancel.operationId, { pollIntervalMs: 20 });
    assert.equal(done.action, 'Unsubscribe');
    assert.equal((await client.getSubscription(id)).saasSubscriptionStatus, 'Unsubscribed');
  });

  it('lists outstanding operations, reads one and acknowledges it', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    const action = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangeQuantity', quantity: 7 } });
    const operationId = (action.body as { operationId: string }).operationId;
    const pending = await client.listOperations(id);
    assert.deepEqual(
      pending.map((o) => o.id),
      [operationId],
    );
    assert.equal((await client.getOperation(id, operationId)).quantity, 7);
    await client.updateOperation(id, operationId, { status: 'Success' });
    assert.equal((await client.getOperation(id, operationId)).status, 'Succeeded');
    assert.equal((await client.getSubscription(id)).quantity, 7);
  });

  it('pages through more than 250 subscriptions with the async iterator', async () => {
    const before = new Set<string>();
    for await (const s of client.listSubscriptions()) before.add(s.id);
    for (let i = 0; i < 260; i++) await mp.purchase({ planId: 'basic', quantity: undefined });
    const ids: string[] = [];
    for await (const s of client.listSubscriptions()) ids.push(s.id);
    assert.equal(ids.length, before.size + 260);
    assert.equal(new Set(ids).size, ids.length, 'no subscription twice');
  });

  it('throws MarketplaceError with status, code, target, ids and the method that failed', async () => {
    const bought = await mp.purchase();
    await assert.rejects(client.activate(bought.subscriptionId, { planId: 'basic' }, { correlationId: 'corr-42' }), (error: unknown) => {
      assert.ok(error instanceof MarketplaceError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'BadArgument');
      assert.equal(error.target, 'planId');
      assert.equal(error.method, 'activate');
      assert.equal(error.correlationId, 'corr-42');
      assert.match(error.requestId, /^[0-9a-f-]{36}$/);
      assert.equal(error.attempts, 1, 'a 400 is not retried');
      return true;
    });
  });

  it('explains a 403 in words', async () => {
    const bad = new MarketplaceClient({ baseUrl: `${mp.url}/api`, credential: new StaticTokenCredential('not-a-token'), retry: { maxAttempts: 1 } });
    await assert.rejects(bad.getSubscription('00000000-0000-4000-8000-000000000000'), (error: unknown) => {
      assert.ok(error instanceof MarketplaceError);
      assert.equal(error.status, 403);
      assert.match(error.message, /registered on this offer in Partner Center/);
      return true;
    });
  });

  it('refuses to follow a @nextLink to another origin with the token', async () => {
    const rogue = new MarketplaceClient({
      baseUrl: `${mp.url}/api`,
      credential: new StaticTokenCredential('t'),
      fetch: async () => Response.json({ subscriptions: [], '@nextLink': 'https://attacker.example.com/steal' }),
    });
    await assert.rejects(async () => {
      for await (const _ of rogue.listSubscriptions()) void _;
    }, /Refusing to send the access token to https:\/\/attacker.example.com/);
  });
});

describe('landingPageToken', () => {
  it('decodes exactly once, keeping + and /', () => {
    assert.equal(landingPageToken('?token=ab%2Bcd%2Fef%3D%3D'), 'ab+cd/ef==');
    assert.equal(landingPageToken('/landing?token=ab%2Bcd%2Fef'), 'ab+cd/ef');
    assert.equal(landingPageToken('token=ab+cd'), 'ab+cd', 'a literal + is part of the token, not a space');
    assert.equal(landingPageToken('?token=ab%252B'), 'ab%2B', 'decoded once, not twice');
    assert.equal(landingPageToken(new URL('https://x.example/landing?a=1&token=x%2By#frag')), 'x+y');
  });

  it('answers undefined without a token or with a malformed one', () => {
    assert.equal(landingPageToken('?other=1'), undefined);
    assert.equal(landingPageToken(''), undefined);
    assert.equal(landingPageToken('?token=%E0%A4%A'), undefined);
  });
});
