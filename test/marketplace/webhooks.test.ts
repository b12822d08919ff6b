// Webhooks over real HTTP: the full purchase-to-plan-change walk with the bearer JWT verified by jose
// against the emulator's JWKS, plus acknowledgement windows, rejection by 4xx, retries and the delivery log.
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { WebhookPayload } from '@saas-fulfillment/contract';
import { validate } from '@saas-fulfillment/contract';
import { until } from '../helpers/wait.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';

type Body = Record<string, unknown>;

describe('webhooks', () => {
  let receiver: WebhookReceiver;
  let mp: TestMarketplace;

  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.received.length = 0;
    receiver.script.length = 0;
    mp = await startTestMarketplace({
      publisher: { webhookUrl: receiver.url, landingPageUrl: 'https://publisher.example.com/landing' },
      settings: { acknowledgeWindowMs: 300, webhook: { maxAttempts: 4, baseDelayMs: 40, maxDelayMs: 200, timeoutMs: 300 } },
    });
  });
  afterEach(() => mp.close());

  const getSubscription = async (id: string) => (await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body;
  const customer = async (id: string, body: Body) => {
    const r = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body });
    assert.equal(r.status, 202, r.text);
    return (r.body as { operationId: string }).operationId;
  };

  it('walks purchase, resolve, activate, ChangePlan webhook verified with jose against the JWKS, PATCH Success', async () => {
    const bought = await mp.purchase({ planId: 'pro', quantity: 5 });
    const landing = new URL(bought.landingPageUrl!);
    assert.equal(landing.searchParams.get('token'), bought.token, 'the landing URL carries the token URL-encoded');

    const resolved = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': landing.searchParams.get('token')! } });
    assert.equal(resolved.status, 200);
    assert.equal((await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId: 'pro', quantity: 5 } })).status, 200);
    assert.equal(receiver.received.length, 0, 'activation sends no webhook');

    const operationId = await customer(bought.subscriptionId, { action: 'ChangePlan', planId: 'enterprise' });
    const [hook] = await receiver.waitFor(1);

    const meta = (await mp.http('GET', `/${DEV_PUBLISHER.tenantId}/v2.0/.well-known/openid-configuration`)).body as Body;
    const jwks = createRemoteJWKSet(new URL(String(meta.jwks_uri)));
    const bearer = hook!.authorization?.replace(/^Bearer /, '') ?? '';
    const { payload: claims, protectedHeader } = await jwtVerify(bearer, jwks, {
      issuer: String(meta.issuer),
      audience: DEV_PUBLISHER.clientId,
      algorithms: ['RS256'],
      clockTolerance: 5,
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(claims.tid, DEV_PUBLISHER.tenantId);
    assert.equal(claims.azp, MARKETPLACE_RESOURCE_ID);
    assert.equal(claims.appid, MARKETPLACE_RESOURCE_ID);

    const body = hook!.body;
    assert.deepEqual(validate(WebhookPayload, body), []);
    assert.equal(body.id, operationId, 'the webhook id is the operation id');
    assert.equal(body.subscriptionId, bought.subscriptionId);
    assert.equal(body.action, 'ChangePlan');
    assert.equal(body.status, 'InProgress');
    assert.equal(body.planId, 'enterprise');
    assert.equal(body.operationRequestSource, 'Azure');
    assert.equal((body.subscription as Body).planId, 'pro', 'the snapshot still shows the old plan');

    const verified = (await mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}/operations/${operationId}`)).body as Body;
    assert.equal(verified.status, 'InProgress');
    assert.equal(
      (await mp.api('PATCH', `/saas/subscriptions/${bought.subscriptionId}/operations/${operationId}`, { body: { status: 'Success' } })).status,
      200,
    );
    const after = await getSubscription(bought.subscriptionId);
    assert.equal(after.planId, 'enterprise');
    assert.equal(after.quantity, 10);
  });

  it('a ChangeQuantity succeeds on its own once the acknowledgement window after delivery closes', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    const operationId = await customer(id, { action: 'ChangeQuantity', quantity: 9 });
    await receiver.waitFor(1);
    assert.equal((await getSubscription(id)).quantity, 5);
    await until(async () => ((await getSubscription(id)).quantity === 9 ? true : undefined), 'the auto-acceptance');
    const op = (await mp.api('GET', `/saas/subscriptions/${id}/operations/${operationId}`)).body as Body;
    assert.equal(op.status, 'Succeeded');
  });

  it('a 4xx answer to a ChangePlan webhook rejects the change', async () => {
    const id = await mp.subscribe();
    receiver.script.push(400);
    const operationId = await customer(id, { action: 'ChangePlan', planId: 'basic' });
    await receiver.waitFor(1);
    const op = await until(async () => {
      const o = (await mp.api('GET', `/saas/subscriptions/${id}/operations/${operationId}`)).body as Body;
      return o.status === 'InProgress' ? undefined : o;
    }, 'the rejection');
    assert.equal(op.status, 'Failed');
    assert.match(String(op.errorMessage), /HTTP 400/);
    assert.equal((await getSubscription(id)).planId, 'pro');
    assert.equal(receiver.received.length, 1, 'a rejection is not retried');
  });

  it('retries with backoff after 5xx and timeouts, and logs every attempt', async () => {
    const id = await mp.subscribe();
    receiver.script.push(500, 10_000 + 600, 503);
    await customer(id, { action: 'Suspend' });
    await receiver.waitFor(4, 8000);
    const log = await until(async () => {
      const r = (await mp.http('GET', `/simulator/webhooks?subscriptionId=${id}`)).body as { deliveries: Body[] };
      return r.deliveries[0]?.status === 'Delivered' ? r.deliveries[0] : undefined;
    }, 'delivery');
    assert.equal(log.attempts, 4);
    const attempts = log.attemptLog as Body[];
    assert.deepEqual(
      attempts.map((a) => a.statusCode ?? null),
      [500, null, 503, 200],
    );
    assert.match(String(attempts[1]!.error), /no answer within 300 ms/);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
    // Jittered backoff: each retry waits between half its cap and its cap (base 40 ms, doubling).
    assert.ok(gaps[0]! >= 18, `first retry waits at least half the base delay (${gaps[0]} ms)`);
    assert.ok(gaps[2]! >= 75, `later retries wait longer (${gaps.join(', ')} ms)`);
  });

  it('gives up after the last attempt; an unanswered ChangePlan fails', async () => {
    const id = await mp.subscribe();
    receiver.script.push(500, 500, 500, 500);
    const operationId = await customer(id, { action: 'ChangePlan', planId: 'basic' });
    await receiver.waitFor(4, 8000);
    const op = await until(async () => {
      const o = (await mp.api('GET', `/saas/subscriptions/${id}/operations/${operationId}`)).body as Body;
      return o.status === 'Failed' ? o : undefined;
    }, 'the failure');
    assert.match(String(op.errorMessage), /never accepted/);
    const log = (await mp.http('GET', `/simulator/webhooks?subscriptionId=${id}`)).body as { deliveries: Body[] };
    assert.equal(log.deliveries[0]!.status, 'Abandoned');
  });

  it('notify-only actions arrive Succeeded with the state already changed', async () => {
    const id = await mp.subscribe();
    await customer(id, { action: 'Suspend' });
    await customer(id, { action: 'Unsubscribe' });
    const hooks = await receiver.waitFor(2);
    const byAction = Object.fromEntries(hooks.map((h) => [h.body.action, h.body]));
    assert.equal(byAction.Suspend!.status, 'Succeeded');
    assert.equal((byAction.Suspend!.subscription as Body).saasSubscriptionStatus, 'Suspended');
    assert.equal(byAction.Unsubscribe!.status, 'Succeeded');
    assert.equal((await getSubscription(id)).saasSubscriptionStatus, 'Unsubscribed');
  });

  it("the publisher's own PATCH is announced with operationRequestSource Partner once it has succeeded", async () => {
    const id = await mp.subscribe({ quantity: 5 });
    const patch = await mp.api('PATCH', `/saas/subscriptions/${id}`, { body: { quantity: 20 } });
    assert.equal(patch.status, 202);
    const [hook] = await receiver.waitFor(1);
    assert.equal(hook!.body.action, 'ChangeQuantity');
    assert.equal(hook!.body.operationRequestSource, 'Partner');
    assert.equal(hook!.body.status, 'Succeeded');
    assert.equal((hook!.body.subscription as Body).quantity, 20);
  });

  it('the CSP reseller purchase shows purchaser and beneficiary apart and only Read for the customer', async () => {
    const id = await mp.subscribe({ csp: true });
    const s = await getSubscription(id);
    assert.notEqual((s.purchaser as Body).tenantId, (s.beneficiary as Body).tenantId);
    assert.deepEqual(s.allowedCustomerOperations, ['Read']);
  });
});
