// The seed files in examples/seeds, one per flow of the reference: each loads, and the fulfillment and
// metering APIs answer as the file says, including what comes after (activation, renewal, grace).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startMarketplace, type TestMarketplace } from '@saas-fulfillment/marketplace/testing';
import { repositoryRoot } from '../helpers/paths.js';

const SEEDS = path.join(repositoryRoot, 'examples/seeds');
const id = (flow: number, n = 1) => `1c0a7d2e-${flow.toString(16).padStart(4, '0')}-4000-8000-${String(n).padStart(12, '0')}`;

const FLOWS: Record<string, (mp: TestMarketplace) => Promise<void>> = {
  'purchase-to-activate.yaml': async ({ client }) => {
    const resolved = await client.resolve('docs-landing-token');
    assert.deepEqual([resolved.id, resolved.subscription.saasSubscriptionStatus, resolved.quantity], [id(1), 'PendingFulfillmentStart', 10]);
    await client.activate(id(1), { planId: 'pro', quantity: 10 });
    assert.equal((await client.getSubscription(id(1))).saasSubscriptionStatus, 'Subscribed');
  },
  'change-plan-pending.yaml': async ({ client }) => {
    const [operation] = await client.listOperations(id(2));
    assert.deepEqual([operation?.action, operation?.status, operation?.planId], ['ChangePlan', 'InProgress', 'enterprise']);
  },
  'change-seats-pending.yaml': async ({ client }) => {
    const [operation] = await client.listOperations(id(3));
    assert.deepEqual([operation?.action, operation?.quantity], ['ChangeQuantity', 12]);
    await client.updateOperation(id(3), operation!.id, { quantity: 12, status: 'Success' });
    assert.equal((await client.getSubscription(id(3))).quantity, 12);
  },
  'suspended-in-grace.yaml': async ({ client, simulator }) => {
    assert.equal((await client.getSubscription(id(4))).saasSubscriptionStatus, 'Suspended');
    await simulator.advanceClock('P27D');
    assert.equal((await client.getSubscription(id(4))).saasSubscriptionStatus, 'Unsubscribed', 'thirty days after the suspension the grace period is over');
  },
  'cancelled.yaml': async ({ client }) => {
    assert.equal((await client.getSubscription(id(5))).saasSubscriptionStatus, 'Unsubscribed');
  },
  'renewal-due.yaml': async ({ client, simulator }) => {
    const before = await client.getSubscription(id(6));
    await simulator.advanceClock('P2D');
    const renewed = await client.getSubscription(id(6));
    assert.equal(renewed.saasSubscriptionStatus, 'Subscribed');
    assert.equal(renewed.term.startDate, before.term.endDate, 'the new term starts where the old one ended');
    assert.equal((await client.getSubscription(id(6, 2))).saasSubscriptionStatus, 'Unsubscribed', 'not renewing: it ends');
  },
  'free-trial.yaml': async ({ client }) => {
    assert.equal((await client.getSubscription(id(7))).isFreeTrial, true);
  },
  'reseller.yaml': async ({ client }) => {
    const resolved = await client.resolve('docs-reseller-token');
    assert.deepEqual(resolved.subscription.allowedCustomerOperations, ['Read']);
    assert.equal(resolved.subscription.purchaser.tenantId, '1c0a7d2e-7e4a-4b9a-9a1e-0000000000aa');
  },
  'metered-usage.yaml': async ({ client }) => {
    const twoHoursAgo = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000).toISOString();
    const read = await client.getUsageEvents({ usageStartDate: new Date(Date.now() - 4 * 3_600_000).toISOString().slice(0, 10) });
    const total = read.filter((u) => u.usageResourceId === id(9)).reduce((sum, u) => sum + u.submittedQuantity, 0);
    assert.equal(total, 2190.5);
    const again = await client.postUsageEvent({ resourceId: id(9), planId: 'pro', dimension: 'api_calls', quantity: 1, effectiveStartTime: twoHoursAgo });
    assert.equal(again.status, 'Duplicate');
  },
  'own-webhook.yaml': async ({ client, simulator }) => {
    const [operation] = await client.listOperations(id(10));
    assert.equal(operation?.action, 'ChangeQuantity');
    const [publisher] = (await simulator.publishers()).publishers;
    assert.equal(publisher?.webhookUrl, 'http://127.0.0.1:3000/webhook');
  },
  'own-catalog.yaml': async ({ client, credential }) => {
    assert.equal(credential.clientId, '7b2d4c63-2e1f-4b6c-8d8e-1f2a3b4c5d6e', "the fixture signs in as the seed catalog's publisher");
    const subscription = await client.getSubscription(id(11));
    assert.deepEqual([subscription.offerId, subscription.planId, subscription.term.termUnit], ['fabrikam-notes', 'team', 'P1Y']);
  },
};

describe('the seed of each flow', () => {
  it('has a check for every seed file, and a seed file for every check', () => {
    assert.deepEqual(
      readdirSync(SEEDS)
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
      Object.keys(FLOWS).sort(),
    );
  });
  for (const [file, check] of Object.entries(FLOWS)) {
    it(`${file} loads, and the APIs answer as it says`, async () => {
      const mp = await startMarketplace({ seed: path.join(SEEDS, file), settings: { partnerOperationDelayMs: 0 } });
      try {
        await check(mp);
      } finally {
        await mp.close();
      }
    });
  }
});
