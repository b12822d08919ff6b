// The emulator alone, with no publisher beside it: its own landing page and webhook inbox, answers
// chosen per delivery (reject, time out, PATCH Success or Failure), redelivery, endpoints changed at run
// time, and a reset. Everything over real HTTP.
import { hiddenFields, WebSession } from '../helpers/web-session.js';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { until } from '../helpers/wait.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { startWebhookReceiver } from '../helpers/receiver.js';

type Body = Record<string, unknown>;
interface InboxView {
  received: { id: string; operationId: string; action: string; answer: string; statusCode?: number; refusedBecause?: string; acknowledgement?: string }[];
  answers: Record<string, { next: string[]; every: string }>;
}
interface DeliveryView {
  id: string;
  operationId: string;
  action: string;
  status: string;
  url: string;
  attemptLog: { statusCode?: number; error?: string }[];
}

describe('the emulator alone', () => {
  let mp: TestMarketplace;
  beforeEach(async () => {
    mp = await startTestMarketplace({ settings: { acknowledgeWindowMs: 5000, webhook: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 400 } } });
  });
  afterEach(() => mp.close());

  const inbox = async () => (await mp.http('GET', '/simulator/inbox')).body as InboxView;
  const deliveries = async () => ((await mp.http('GET', '/simulator/webhooks')).body as { deliveries: DeliveryView[] }).deliveries;
  const customer = async (id: string, body: Body) => {
    const r = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body });
    assert.equal(r.status, 202, r.text);
    return (r.body as { operationId: string }).operationId;
  };
  const operation = async (id: string, operationId: string) => (await mp.api('GET', `/saas/subscriptions/${id}/operations/${operationId}`)).body as Body;
  const settled = (operationId: string) =>
    until(async () => {
      const found = (await deliveries()).find((d) => d.operationId === operationId && d.status !== 'Pending');
      return found;
    }, `delivery of ${operationId}`);
  const answerNext = async (answer: string, scope: 'next' | 'every' = 'next') => {
    const r = await mp.http('PUT', `/simulator/inbox/${DEV_PUBLISHER.publisherId}`, { body: { answer, for: scope } });
    assert.equal(r.status, 200, r.text);
  };

  it('always returns a landing page URL, and its own landing page resolves the token and activates', async () => {
    const bought = await mp.purchase({ planId: 'pro', quantity: 4 });
    const landing = new URL(bought.landingPageUrl!);
    assert.equal(`${landing.origin}${landing.pathname}`, `${mp.url}/landing`);
    assert.equal(landing.searchParams.get('token'), bought.token);

    const browser = new WebSession(mp.url);
    const page = await browser.get(bought.landingPageUrl!);
    assert.equal(page.status, 200);
    const { text } = page;
    assert.match(text, /Configure your account/);
    assert.match(text, /Waiting for activation/);
    assert.match(text, /Pro/);

    const activated = await browser.post('/ui/landing/activate', hiddenFields(text, '/ui/landing/activate'));
    assert.equal(activated.status, 303);
    assert.match(activated.location ?? '', new RegExp(`/subscriptions/${bought.subscriptionId}\\?notice=Activated`));
    assert.equal(((await mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}`)).body as Body).saasSubscriptionStatus, 'Subscribed');
    assert.match(await (await fetch(bought.landingPageUrl!)).text(), /Manage your account/, 'the same link now manages the account');
  });

  it('explains an invalid landing link with a 400 page, and refuses to activate with it', async () => {
    const page = await fetch(`${mp.url}/landing?token=not-a-token`);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /This link is not valid/);
    const browser = new WebSession(mp.url);
    const { _csrf } = hiddenFields((await browser.get('/')).text, '/ui/purchase');
    const activated = await browser.post('/ui/landing/activate', { token: 'not-a-token', _csrf: _csrf! });
    assert.equal(activated.status, 303);
    assert.match(decodeURIComponent(activated.location ?? ''), /error=.*token/);
  });

  it('delivers to its own inbox, which verifies the token, answers 200 and lists what it got', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    const operationId = await customer(id, { action: 'Suspend' });
    const delivery = await settled(operationId);
    assert.equal(delivery.status, 'Delivered');
    assert.equal(delivery.url, `${mp.url}/inbox/${DEV_PUBLISHER.publisherId}`);
    const entry = (await inbox()).received.find((e) => e.operationId === operationId);
    assert.ok(entry, 'the inbox lists the delivery');
    assert.equal(entry.action, 'Suspend');
    assert.equal(entry.statusCode, 200);
    assert.equal(entry.refusedBecause, undefined, 'the token verified');
  });

  it('refuses a delivery whose token it did not sign, and records why', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ tid: DEV_PUBLISHER.tenantId, azp: MARKETPLACE_RESOURCE_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setAudience(DEV_PUBLISHER.clientId)
      .setIssuer(`${mp.url}/${DEV_PUBLISHER.tenantId}/v2.0`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const r = await mp.http('POST', `/inbox/${DEV_PUBLISHER.publisherId}`, {
      headers: { authorization: `Bearer ${forged}` },
      body: { id: 'x', action: 'Unsubscribe', subscriptionId: 'y' },
    });
    assert.equal(r.status, 401);
    const none = await mp.http('POST', `/inbox/${DEV_PUBLISHER.publisherId}`, { body: { id: 'z', action: 'Unsubscribe' } });
    assert.equal(none.status, 401);
    const entries = (await inbox()).received;
    assert.match(entries.find((e) => e.operationId === 'x')?.refusedBecause ?? '', /signature/);
    assert.match(entries.find((e) => e.operationId === 'z')?.refusedBecause ?? '', /no bearer token/);
  });

  it('rejects a plan change when told to answer 4xx for the next delivery, then answers 200 again', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    await answerNext('reject');
    assert.deepEqual((await inbox()).answers[DEV_PUBLISHER.publisherId], { next: ['reject'], every: 'ok' });
    const rejected = await customer(id, { action: 'ChangePlan', planId: 'enterprise' });
    assert.equal((await settled(rejected)).status, 'Rejected');
    assert.equal((await operation(id, rejected)).status, 'Failed');
    const accepted = await customer(id, { action: 'ChangeQuantity', quantity: 6 });
    assert.equal((await settled(accepted)).status, 'Delivered', 'the 4xx was for one delivery only');
  });

  it('times out when told to, so the marketplace retries the delivery', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    await answerNext('timeout');
    const operationId = await customer(id, { action: 'Renew' });
    const delivery = await settled(operationId);
    assert.equal(delivery.status, 'Delivered');
    assert.match(delivery.attemptLog[0]?.error ?? '', /no answer within 400 ms/);
    assert.equal(delivery.attemptLog[1]?.statusCode, 200, 'the retry was answered');
  });

  it('PATCHes Failure or Success after answering, as chosen, and the operation follows', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    await answerNext('patch-failure');
    const refused = await customer(id, { action: 'ChangeQuantity', quantity: 9 });
    await settled(refused);
    assert.equal((await operation(id, refused)).status, 'Failed');
    assert.equal(((await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body).quantity, 5);
    assert.match((await inbox()).received.find((e) => e.operationId === refused)?.acknowledgement ?? '', /PATCH Failure: accepted/);

    await answerNext('patch-success', 'every');
    const taken = await customer(id, { action: 'ChangeQuantity', quantity: 8 });
    await settled(taken);
    assert.equal((await operation(id, taken)).status, 'Succeeded');
    assert.equal(((await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body).quantity, 8);
    const suspended = await customer(id, { action: 'Suspend' });
    await settled(suspended);
    assert.match(
      (await inbox()).received.find((e) => e.operationId === suspended)?.acknowledgement ?? '',
      /refused with 400 .*notification only/,
      'a notice cannot be acknowledged, as in production',
    );
  });

  it('acknowledges a waiting operation from an inbox entry, on request', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    await customer(id, { action: 'Suspend' });
    const reinstate = await customer(id, { action: 'Reinstate' });
    await settled(reinstate);
    const entry = (await inbox()).received.find((e) => e.operationId === reinstate)!;
    assert.equal((await operation(id, reinstate)).status, 'InProgress', 'Reinstate waits for the publisher');
    const acked = await mp.http('POST', `/simulator/inbox/entries/${entry.id}/acknowledge`, { body: { status: 'Success' } });
    assert.equal(acked.status, 200, acked.text);
    assert.equal((await operation(id, reinstate)).status, 'Succeeded');
    assert.equal(((await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body).saasSubscriptionStatus, 'Subscribed');
    const again = await mp.http('POST', `/simulator/inbox/entries/${entry.id}/acknowledge`, { body: { status: 'Success' } });
    assert.equal(again.status, 409, 'a final operation cannot be acknowledged twice');
  });

  it('redelivers a past delivery: same operation and payload, a new delivery', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    const operationId = await customer(id, { action: 'Renew' });
    const first = await settled(operationId);
    const r = await mp.http('POST', `/simulator/webhooks/${first.id}/redeliver`);
    assert.equal(r.status, 201, r.text);
    const again = (r.body as { deliveryId: string }).deliveryId;
    assert.notEqual(again, first.id);
    await until(async () => ((await deliveries()).find((d) => d.id === again && d.status === 'Delivered') ? true : undefined), 'the redelivery');
    const received = (await inbox()).received.filter((e) => e.operationId === operationId);
    assert.equal(received.length, 2, 'the inbox got the same operation twice');
    assert.equal((await mp.http('POST', '/simulator/webhooks/6f0c3c52-3c2a-4d4b-9d7e-1f2a3b4c5d6e/redeliver')).status, 404);
  });

  it('sends to a webhook and landing page set at run time, and back to its own when cleared', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const set = await mp.http('PUT', `/simulator/publishers/${DEV_PUBLISHER.publisherId}`, {
        body: { webhookUrl: receiver.url, landingPageUrl: 'https://saas.example.com/signup' },
      });
      assert.equal(set.status, 200, set.text);
      assert.equal((set.body as Body).webhookSource, 'runtime');
      const bought = await mp.purchase({ planId: 'basic', quantity: undefined });
      assert.match(bought.landingPageUrl!, /^https:\/\/saas\.example\.com\/signup\?token=/);
      const id = await mp.subscribe({ quantity: 5 });
      await customer(id, { action: 'Suspend' });
      await receiver.waitFor(1);

      const cleared = await mp.http('PUT', `/simulator/publishers/${DEV_PUBLISHER.publisherId}`, { body: { webhookUrl: null, landingPageUrl: null } });
      assert.deepEqual([(cleared.body as Body).webhookSource, (cleared.body as Body).landingPageSource], ['built-in', 'built-in']);
      const listed = (await mp.http('GET', '/simulator/publishers')).body as { publishers: Body[] };
      assert.equal(listed.publishers[0]?.webhookUrl, `${mp.url}/inbox/${DEV_PUBLISHER.publisherId}`);
    } finally {
      await receiver.close();
    }
  });

  it('refuses an endpoint that is not an http(s) URL, and an unknown publisher, naming the field', async () => {
    const bad = await mp.http('PUT', `/simulator/publishers/${DEV_PUBLISHER.publisherId}`, { body: { webhookUrl: 'ftp://example.com/hook' } });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as Body).target, 'webhookUrl');
    const unknown = await mp.http('PUT', '/simulator/publishers/nobody', { body: { webhookUrl: null } });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as Body).target, 'publisherId');
  });

  it('resets subscriptions, operations, tokens, deliveries, the inbox and the clock', async () => {
    const bought = await mp.purchase({ planId: 'pro', quantity: 3 });
    const id = await mp.subscribe({ quantity: 5 });
    await settled(await customer(id, { action: 'Suspend' }));
    assert.equal((await mp.http('POST', '/simulator/clock', { body: { advanceBy: 'P3D' } })).status, 200);
    assert.ok(mp.clock.offset > 0);

    assert.equal((await mp.http('POST', '/simulator/reset')).status, 200);
    assert.deepEqual(((await mp.http('GET', '/simulator/subscriptions')).body as { subscriptions: unknown[] }).subscriptions, []);
    assert.deepEqual(((await mp.api('GET', '/saas/subscriptions')).body as { subscriptions: unknown[] }).subscriptions, []);
    assert.deepEqual(await deliveries(), []);
    assert.deepEqual((await inbox()).received, []);
    assert.equal(((await mp.http('GET', '/simulator/clock')).body as Body).offsetMs, 0);
    assert.equal((await mp.api('GET', `/saas/subscriptions/${id}`)).status, 404);
    const resolve = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': bought.token } });
    assert.equal(resolve.status, 400, 'landing tokens are gone');
    assert.ok(await mp.subscribe({ quantity: 2 }), 'and it works again afterwards');
  });

  it('keeps a bounded log of the posts its inbox turns away: anyone can post there', async () => {
    for (let i = 0; i < 110; i++) {
      const refused = await fetch(`${mp.url}/inbox/${DEV_PUBLISHER.publisherId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
        body: JSON.stringify({ n: i }),
      });
      assert.equal(refused.status, 401);
    }
    const refused = (await mp.store.listInbox({ publisherId: DEV_PUBLISHER.publisherId, limit: 1000 })).filter((e) => e.refusedBecause);
    assert.equal(refused.length, 100);
    assert.equal(JSON.parse(refused[0]!.payload).n, 109, 'the newest are kept');
  });
});
