// Closing the publisher ends in seconds whatever is in flight: it takes no new job, a job that does not
// finish within the grace period (a provisioning hook that hangs) is released for the next start with
// its attempt not counted, and close says what it cut short.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { testDialects, testLocation } from '../helpers/databases.js';
import { startTestStack } from '../helpers/stack.js';

const GRACE_MS = 1000;
const CLOSED_WITHIN_MS = GRACE_MS + 4000;

for (const dialect of await testDialects()) {
  describe(`closing the publisher on ${dialect}`, () => {
    it('releases a job still running after the grace period, closes in seconds, and names the job', async () => {
      const location = testLocation(dialect);
      let entered!: () => void;
      const provisioning = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const stack = await startTestStack({
        dialect,
        location,
        // The vendor's provisioning never finishes.
        hooks: {
          provision: () => {
            entered();
            return new Promise<void>(() => {});
          },
        },
        publisher: { closeGraceMs: GRACE_MS, worker: { pollIntervalMs: 50, lockMs: 60_000 } },
      });
      try {
        // An auto-activated plan: the Subscribe webhook's job syncs the subscription and queues its provisioning.
        const { subscriptionId } = await stack.mp.purchase({ planId: 'instant', quantity: undefined });
        await provisioning;

        const started = performance.now();
        await stack.publisher.close();
        const took = performance.now() - started;
        assert.ok(took < CLOSED_WITHIN_MS, `closed in ${Math.round(took)} ms`);
        const [cut, ...more] = stack.publisher.publisher.cutShort();
        assert.match(cut ?? '', /^provision job \S+ \(released: it runs again after a restart\)$/);
        assert.deepEqual(more, []);

        const { store, database } = await openPublisherStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema });
        const jobs = await store.jobs.list({ subscriptionId, limit: 10 });
        const provision = jobs.find((job) => job.kind === 'provision');
        assert.equal(provision?.status, 'pending', 'released, to run again');
        assert.equal(provision?.lockedBy, undefined);
        assert.equal(provision?.attempts, 0, 'the attempt cut short is not counted');
        await database.close();
      } finally {
        await stack.mp.close();
        await location.cleanup();
      }
    });
  });
}
