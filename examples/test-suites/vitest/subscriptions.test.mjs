// The emulator in a Vitest suite: one emulator for the file, back to the seed before each test.
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { startMarketplace } from '@saas-fulfillment/marketplace/testing';

const PENDING = '5f2c0a1e-0000-4000-8000-000000000001';
const ACTIVE = '5f2c0a1e-0000-4000-8000-000000000002';
const CHANGING = '5f2c0a1e-0000-4000-8000-000000000003';

let marketplace;
beforeAll(async () => {
  marketplace = await startMarketplace({ seed: new URL('../seed.yaml', import.meta.url).pathname });
});
beforeEach(() => marketplace.reset());
afterAll(() => marketplace.close());

test('a seeded subscription reads as the seed says', async () => {
  await expect(marketplace.client.getSubscription(ACTIVE)).resolves.toMatchObject({ saasSubscriptionStatus: 'Subscribed', quantity: 20 });
});

test('the landing token resolves, and activation starts the subscription', async () => {
  const resolved = await marketplace.client.resolve('northwind-landing-token');
  expect(resolved.id).toBe(PENDING);
  await marketplace.client.activate(PENDING, { planId: resolved.planId, quantity: resolved.quantity });
  await expect(marketplace.client.getSubscription(PENDING)).resolves.toMatchObject({ saasSubscriptionStatus: 'Subscribed' });
});

test('reset() puts the seed back: the subscription activated before is pending again', async () => {
  await expect(marketplace.client.getSubscription(PENDING)).resolves.toMatchObject({ saasSubscriptionStatus: 'PendingFulfillmentStart' });
});

test('the pending plan change waits on the publisher, and acknowledging it applies it', async () => {
  const [operation] = await marketplace.client.listOperations(CHANGING);
  expect(operation.action).toBe('ChangePlan');
  await marketplace.client.updateOperation(CHANGING, operation.id, { planId: 'enterprise', status: 'Success' });
  await expect(marketplace.client.getSubscription(CHANGING)).resolves.toMatchObject({ planId: 'enterprise' });
});
