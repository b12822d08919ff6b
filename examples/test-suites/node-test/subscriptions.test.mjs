// The emulator in a node:test suite: one emulator for the file, back to the seed before each test.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { startMarketplace } from '@saas-fulfillment/marketplace/testing';

const PENDING = '5f2c0a1e-0000-4000-8000-000000000001';
const ACTIVE = '5f2c0a1e-0000-4000-8000-000000000002';
const CHANGING = '5f2c0a1e-0000-4000-8000-000000000003';

let marketplace;
before(async () => {
  marketplace = await startMarketplace({ seed: new URL('../seed.yaml', import.meta.url).pathname });
});
beforeEach(() => marketplace.reset());
after(() => marketplace.close());

test('a seeded subscription reads as the seed says', async () => {
  const subscription = await marketplace.client.getSubscription(ACTIVE);
  assert.equal(subscription.saasSubscriptionStatus, 'Subscribed');
  assert.equal(subscription.quantity, 20);
});

test('the landing token resolves, and activation starts the subscription', async () => {
  const resolved = await marketplace.client.resolve('northwind-landing-token');
  assert.equal(resolved.id, PENDING);
  await marketplace.client.activate(PENDING, { planId: resolved.planId, quantity: resolved.quantity });
  assert.equal((await marketplace.client.getSubscription(PENDING)).saasSubscriptionStatus, 'Subscribed');
});

test('reset() puts the seed back: the subscription activated before is pending again', async () => {
  assert.equal((await marketplace.client.getSubscription(PENDING)).saasSubscriptionStatus, 'PendingFulfillmentStart');
});

test('the pending plan change waits on the publisher, and acknowledging it applies it', async () => {
  const [operation] = await marketplace.client.listOperations(CHANGING);
  assert.equal(operation.action, 'ChangePlan');
  await marketplace.client.updateOperation(CHANGING, operation.id, { planId: 'enterprise', status: 'Success' });
  assert.equal((await marketplace.client.getSubscription(CHANGING)).planId, 'enterprise');
});
