// Auto-activated plans on Microsoft's side: bought means Subscribed at once (term started), and the
// publisher is told by a Subscribe webhook carrying the whole subscription. Resolve and Activate still work.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebhookPayload } from '@saas-fulfillment/contract';
import { validate } from '@saas-fulfillment/contract';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';

type Body = Record<string, unknown>;

describe('auto-activated plan (instant)', () => {
  let mp: TestMarketplace;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
    mp = await startTestMarketplace({ publisher: { webhookUrl: receiver.url } });
  });
  after(async () => {
    await mp.close();
    await receiver.close();
  });

  it('is Subscribed the moment it is bought, with its term started, and sends a Subscribe webhook with the whole subscription', async () => {
    const before = mp.clock.now().getTime();
    const bought = await mp.purchase({ planId: 'instant', quantity: undefined });
    assert.ok(bought.landingPageUrl, 'the landing page still serves "manage account"');
    const subscription = (await mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}`)).body as {
      saasSubscriptionStatus: string;
      term: { startDate: string; endDate: string };
    };
    assert.equal(subscription.saasSubscriptionStatus, 'Subscribed');
    assert.ok(Date.parse(subscription.term.startDate) >= before - 1000);
    assert.ok(Date.parse(subscription.term.endDate) > Date.parse(subscription.term.startDate));

    const [hook] = await receiver.waitFor(1);
    assert.deepEqual(validate(WebhookPayload, hook!.body), [], 'a Subscribe webhook has the documented payload');
    assert.equal(hook!.body.action, 'Subscribe');
    assert.equal(hook!.body.status, 'Succeeded');
    assert.equal(hook!.body.operationRequestSource, 'Azure');
    assert.equal(hook!.body.subscriptionId, bought.subscriptionId);
    assert.equal((hook!.body.subscription as Body).saasSubscriptionStatus, 'Subscribed');

    const operation = (await mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}/operations/${hook!.body.id}`)).body as Body;
    assert.deepEqual([operation.action, operation.status], ['Subscribe', 'Succeeded']);
    assert.deepEqual(
      ((await mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}/operations`)).body as { operations: unknown[] }).operations,
      [],
      'nothing waits on the publisher',
    );
    const ack = await mp.api('PATCH', `/saas/subscriptions/${bought.subscriptionId}/operations/${hook!.body.id}`, { body: { status: 'Success' } });
    assert.equal(ack.status, 400, 'a notice is not acknowledged');
  });

  it('still resolves, and an Activate of it changes nothing (a wrong plan is still refused)', async () => {
    const bought = await mp.purchase({ planId: 'instant', quantity: undefined });
    const resolved = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': bought.token } });
    assert.equal(resolved.status, 200);
    const before = (await mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}`)).body as Body;
    assert.equal((await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId: 'instant' } })).status, 200);
    assert.deepEqual((await mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}`)).body, before);
    assert.equal((await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId: 'pro' } })).status, 400);
  });

  it('does not let a landing-page plan skip activation: Activate twice is still refused', async () => {
    const id = await mp.subscribe({ planId: 'basic', quantity: undefined });
    const again = await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 'basic' } });
    assert.equal(again.status, 400);
  });
});
