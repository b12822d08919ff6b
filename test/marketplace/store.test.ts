// The emulator's store on both dialects: migrations, round trips of every record, the queries the
// worker relies on, transactions that roll back whole, and row locks that serialize writers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openMarketplaceStore, type MarketplaceStore } from '@saas-fulfillment/marketplace';
import type { OperationRecord, SubscriptionRecord } from '@saas-fulfillment/marketplace/internals';
import type { Database } from '@saas-fulfillment/store';
import type { MarketplaceTables } from '@saas-fulfillment/marketplace/internals';
import { testDialects, testLocation, type TestLocation } from '../helpers/databases.js';

function subscription(overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id: randomUUID(),
    publisherId: 'contoso',
    offerId: 'contoso-saas',
    planId: 'pro',
    quantity: 5,
    name: 'Test',
    status: 'Subscribed',
    beneficiary: { emailId: 'a@b.example.com', tenantId: randomUUID() },
    purchaser: { emailId: 'c@d.example.com', tenantId: randomUUID() },
    termUnit: 'P1M',
    termStart: '2026-01-01T00:00:00.000Z',
    termEnd: '2026-02-01T00:00:00.000Z',
    autoRenew: true,
    isTest: false,
    isFreeTrial: false,
    allowedCustomerOperations: ['Read', 'Update', 'Delete'],
    sandboxType: 'None',
    sessionMode: 'None',
    created: '2026-01-01T00:00:00.000Z',
    lastModified: '2026-01-01T00:00:00.000Z',
    suspendedAt: undefined,
    azureSubscriptionId: randomUUID(),
    resourceGroup: 'rg-test',
    ...overrides,
  };
}

function operation(subscriptionId: string, overrides: Partial<OperationRecord> = {}): OperationRecord {
  return {
    id: randomUUID(),
    subscriptionId,
    publisherId: 'contoso',
    offerId: 'contoso-saas',
    activityId: randomUUID(),
    action: 'ChangePlan',
    status: 'InProgress',
    planId: 'enterprise',
    quantity: undefined,
    source: 'Azure',
    timeStamp: '2026-01-02T00:00:00.000Z',
    completesAt: undefined,
    errorMessage: undefined,
    ...overrides,
  };
}

for (const dialect of await testDialects()) {
  describe(`marketplace store on ${dialect}`, () => {
    let location: TestLocation;
    let store: MarketplaceStore;
    let database: Database<MarketplaceTables>;
    const open = () => openMarketplaceStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema });

    before(async () => {
      location = testLocation(dialect);
      ({ store, database } = await open());
    });
    after(async () => {
      await database.close();
      await location.cleanup();
    });

    it('runs its migrations once: opening again changes nothing', async () => {
      const s = subscription();
      await store.insertSubscription(s);
      const again = await open();
      assert.deepEqual(await again.store.getSubscription(s.id), s);
      await again.database.close();
    });

    it('round-trips a subscription, absent fields included', async () => {
      const s = subscription({ quantity: undefined, termStart: undefined, termEnd: undefined, status: 'PendingFulfillmentStart', isFreeTrial: true });
      await store.insertSubscription(s);
      assert.deepEqual(await store.getSubscription(s.id), s);
      const changed = { ...s, status: 'Suspended' as const, suspendedAt: '2026-03-01T00:00:00.000Z', quantity: 9 };
      await store.updateSubscription(changed);
      assert.deepEqual(await store.getSubscription(s.id), changed);
      assert.equal(await store.getSubscription(randomUUID()), undefined);
    });

    it("pages a publisher's subscription documents in id order, without other publishers'", async () => {
      const publisherId = `p-${randomUUID().slice(0, 8)}`;
      const ids = await Promise.all(
        Array.from({ length: 7 }, async () => {
          const s = subscription({ publisherId });
          await store.insertSubscription(s);
          return s.id;
        }),
      );
      await store.insertSubscription(subscription({ publisherId: 'someone-else' }));
      ids.sort();
      const idsOf = (json: string) => (JSON.parse(`[${json}]`) as { id: string }[]).map((s) => s.id);
      const first = await store.subscriptionPageJson({ publisherId, limit: 3 });
      assert.deepEqual(idsOf(first.json), ids.slice(0, 3));
      assert.equal(first.count, 3);
      assert.equal(first.nextAfter, ids[2], 'more follow: the next page starts after the last id');
      const rest = await store.subscriptionPageJson({ publisherId, afterId: first.nextAfter, limit: 4 });
      assert.deepEqual(idsOf(rest.json), ids.slice(3));
      assert.equal(rest.nextAfter, undefined, 'a full last page says nothing follows');
      assert.deepEqual(await store.subscriptionPageJson({ publisherId: 'nobody', limit: 10 }), { json: '', count: 0, nextAfter: undefined });

      // A page read again is the same; a subscription written since changes it (no stale page is served).
      assert.deepEqual(await store.subscriptionPageJson({ publisherId, limit: 3 }), first);
      const changed = subscription({ publisherId, id: ids[1] });
      await store.updateSubscription({ ...changed, name: 'Renamed since' });
      assert.match((await store.subscriptionPageJson({ publisherId, limit: 3 })).json, /Renamed since/);
      const earliest = subscription({ publisherId, id: '00000000-0000-4000-8000-000000000000' });
      await store.transaction((tx) => tx.insertSubscription(earliest));
      assert.deepEqual(idsOf((await store.subscriptionPageJson({ publisherId, limit: 3 })).json), [earliest.id, ...ids.slice(0, 2)]);
    });

    it('finds a landing token by its hash, again and again, and nothing once the state is cleared', async () => {
      const s = subscription();
      await store.insertSubscription(s);
      await store.transaction((tx) => tx.insertLandingToken('hash-1', s.id, '2026-05-01T00:00:00.000Z'));
      const expected = { subscriptionId: s.id, expiresAt: '2026-05-01T00:00:00.000Z' };
      assert.deepEqual(await store.findLandingToken('hash-1'), expected);
      assert.deepEqual(await store.findLandingToken('hash-1'), expected);
      assert.equal(await store.findLandingToken('hash-2'), undefined);
      await store.clearState();
      assert.equal(await store.findLandingToken('hash-1'), undefined, 'a cleared store forgets its tokens');
    });

    it('finds subscriptions whose term ended or whose grace period ran out', async () => {
      const ended = subscription({ termEnd: '2026-04-01T00:00:00.000Z' });
      const running = subscription({ termEnd: '2026-06-01T00:00:00.000Z' });
      const suspended = subscription({ status: 'Suspended', suspendedAt: '2026-02-15T00:00:00.000Z', termEnd: '2030-01-01T00:00:00.000Z' });
      for (const s of [ended, running, suspended]) await store.insertSubscription(s);
      const due = (await store.subscriptionsDue('2026-04-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', 1000)).map((s) => s.id);
      assert.ok(due.includes(ended.id));
      assert.ok(!due.includes(running.id));
      assert.ok(due.includes(suspended.id));
      const notYet = (await store.subscriptionsDue('2026-03-31T00:00:00.000Z', '2026-02-14T00:00:00.000Z', 1000)).map((s) => s.id);
      assert.ok(!notYet.includes(ended.id) && !notYet.includes(suspended.id));
    });

    it('keeps operations and finds the ones due to complete', async () => {
      const s = subscription();
      await store.insertSubscription(s);
      const due = operation(s.id, { completesAt: '2026-01-02T00:00:10.000Z' });
      const later = operation(s.id, { completesAt: '2026-01-02T00:01:00.000Z', timeStamp: '2026-01-02T00:00:01.000Z' });
      const waiting = operation(s.id, { timeStamp: '2026-01-02T00:00:02.000Z' });
      for (const o of [due, later, waiting]) await store.insertOperation(o);
      assert.deepEqual(await store.getOperation(due.id), due);
      assert.deepEqual(
        (await store.listOperations(s.id)).map((o) => o.id),
        [due.id, later.id, waiting.id],
      );
      const found = (await store.operationsDue('2026-01-02T00:00:30.000Z', 100)).map((o) => o.id);
      assert.ok(found.includes(due.id) && !found.includes(later.id) && !found.includes(waiting.id));
      await store.updateOperation({ ...due, status: 'Succeeded', completesAt: undefined });
      assert.deepEqual(
        (await store.listOperations(s.id, 'InProgress')).map((o) => o.id),
        [later.id, waiting.id],
      );
    });

    it('keeps deliveries and a log row per attempt', async () => {
      const s = subscription();
      await store.insertSubscription(s);
      const o = operation(s.id);
      await store.insertOperation(o);
      const delivery = {
        id: randomUUID(),
        operationId: o.id,
        subscriptionId: s.id,
        publisherId: 'contoso',
        url: 'http://127.0.0.1:1/webhook',
        payload: '{"action":"ChangePlan"}',
        status: 'Pending' as const,
        attempts: 0,
        nextAttemptAt: '2026-01-02T00:00:00.000Z',
        lastStatusCode: undefined,
        lastError: undefined,
        lastLatencyMs: undefined,
        created: '2026-01-02T00:00:00.000Z',
        finishedAt: undefined,
      };
      await store.insertDelivery(delivery);
      assert.ok((await store.deliveriesDue('2026-01-02T00:00:00.000Z', 100)).some((d) => d.id === delivery.id));
      const retried = { ...delivery, attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500', lastLatencyMs: 12, nextAttemptAt: '2026-01-02T00:00:05.000Z' };
      await store.updateDelivery(retried, { attempt: 1, at: '2026-01-02T00:00:00.000Z', statusCode: 500, error: undefined, latencyMs: 12 });
      assert.ok(!(await store.deliveriesDue('2026-01-02T00:00:01.000Z', 100)).some((d) => d.id === delivery.id));
      assert.deepEqual(await store.listDeliveries({ operationId: o.id, limit: 10 }), [retried]);
      assert.deepEqual(await store.listAttempts(delivery.id), [
        { attempt: 1, at: '2026-01-02T00:00:00.000Z', statusCode: 500, error: undefined, latencyMs: 12 },
      ]);
      assert.ok((await store.deliveriesDue('2026-01-02T00:00:05.000Z', 100)).some((d) => d.id === delivery.id));
    });

    it('sets settings, and setSettingOnce keeps the first value', async () => {
      await store.settings.set('k', 'one');
      await store.settings.set('k', 'two');
      assert.equal(await store.settings.get('k'), 'two');
      assert.equal(await store.settings.setOnce('once', 'first'), 'first');
      assert.equal(await store.settings.setOnce('once', 'second'), 'first');
    });

    it('rolls a failed transaction back whole', async () => {
      const s = subscription();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertSubscription(s);
          await tx.insertOperation(operation(s.id));
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.getSubscription(s.id), undefined);
    });

    it('serializes concurrent writers of one subscription (no lost update)', async () => {
      const s = subscription({ quantity: 0 });
      await store.insertSubscription(s);
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.transaction(async (tx) => {
            const current = (await tx.lockSubscription(s.id))!;
            await new Promise((resolve) => setTimeout(resolve, 2));
            await tx.updateSubscription({ ...current, quantity: (current.quantity ?? 0) + 1 });
          }),
        ),
      );
      assert.equal((await store.getSubscription(s.id))!.quantity, 10);
    });
  });
}
