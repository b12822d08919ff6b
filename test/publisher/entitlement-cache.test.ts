// The entitlement API keeps its answers for the product's hot path: never stale after a write in its own
// process (even one that commits while a read of the old row is in flight), and within
// entitlementCacheMs of a write by another instance on the same database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublisherStore } from '@saas-fulfillment/publisher';
import { testDialects, testLocation } from '../helpers/databases.js';
import { APP_API_KEY, startPublisher, startTestStack, type TestStack } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

for (const dialect of await testDialects()) {
  describe(`entitlement answers kept in memory (${dialect})`, () => {
    const location = testLocation(dialect);
    let stack: TestStack;
    let other: Awaited<ReturnType<typeof startPublisher>>;
    let id: string;

    before(async () => {
      // Two publishers on one database: the stack's keeps answers a long time, so only the bound can end them.
      stack = await startTestStack({ dialect, location, publisher: { entitlementCacheMs: 60_000 } });
      other = await startPublisher(stack.mp.url, { dialect, location, publisher: { entitlementCacheMs: 0 } });
      id = await stack.mp.subscribe({ planId: 'pro', quantity: 3 });
      await stack.publisher.publisher.fulfillment.projection.sync(id, 'test');
    });
    after(async () => {
      await other?.publisher.close();
      await stack?.close();
      await location.cleanup();
    });

    const read = async (url: string) => {
      const response = await fetch(`${url}/api/entitlements/${id}`, { headers: { authorization: `Bearer ${APP_API_KEY}` } });
      assert.equal(response.status, 200);
      return (await response.json()) as { quantity: number; access: string };
    };
    const setSeats = async (store: PublisherStore, quantity: number) =>
      store.transaction(async (tx) => {
        const subscription = await tx.getSubscription(id, true);
        await tx.saveSubscription({ ...subscription!, quantity });
      });

    it('answers a write made in this process at once, even one that commits during a read of the old row', async () => {
      const store = stack.publisher.publisher.store;
      for (let seats = 4; seats < 44; seats++) {
        // Reads run all through the write, so some start before it and end after it commits.
        let writing = true;
        const reads = (async () => {
          while (writing) await read(stack.publisherUrl);
        })();
        await setSeats(store, seats);
        writing = false;
        await reads;
        assert.equal((await read(stack.publisherUrl)).quantity, seats, `after the write of ${seats} seats`);
      }
    });

    it("sees another instance's write once its answers are older than entitlementCacheMs, and at once with 0", async () => {
      const kept = (await read(stack.publisherUrl)).quantity;
      await setSeats(other.publisher.publisher.store, kept + 1);
      assert.equal((await read(other.url)).quantity, kept + 1, 'the instance that keeps nothing reads the database');
      assert.equal((await read(stack.publisherUrl)).quantity, kept, 'the other keeps its answer within its bound');

      const bounded = await startPublisher(stack.mp.url, { dialect, location, publisher: { entitlementCacheMs: 200 } });
      try {
        assert.equal((await read(bounded.url)).quantity, kept + 1);
        await setSeats(other.publisher.publisher.store, kept + 2);
        await until(async () => ((await read(bounded.url)).quantity === kept + 2 ? true : undefined), 'the bounded instance reads again', 5_000);
      } finally {
        await bounded.publisher.close();
      }
    });
  });
}
