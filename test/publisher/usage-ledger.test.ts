// The metering ledger's steps on both dialects: a record sent twice with its key is stored once, a late
// record joins the open hour, and a lease takes at most the batch asked for (PostgreSQL once leased every
// due hour when the LIMIT ... SKIP LOCKED subquery ran per row), the next sender taking the rest.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { usageHour } from '@saas-fulfillment/contract';
import type { NewUsageRecord } from '@saas-fulfillment/publisher/internals';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { testDialects, testLocation } from '../helpers/databases.js';

const record = (subscription: string, occurredAt: string, key?: string): NewUsageRecord => ({
  id: randomUUID(),
  subscription_id: subscription,
  dimension: 'api_calls',
  quantity_micros: 2_000_000,
  occurred_at: occurredAt,
  idempotency_key: key ?? null,
  received_at: occurredAt,
  source: 'app',
});

for (const dialect of await testDialects())
  describe(`usage ledger on ${dialect}`, () => {
    const open = async () => {
      const location = testLocation(dialect);
      const { store, database } = await openPublisherStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema });
      const close = async () => {
        await database.close();
        await location.cleanup();
      };
      return { store, close };
    };

    it('stores a keyed record once, and carries a late record into the open hour', async () => {
      const { store, close } = await open();
      try {
        const now = '2026-01-01T12:10:00.000Z';
        const first = await store.transaction((tx) => tx.usage.record([record('s', '2026-01-01T10:30:00.000Z', 'k')], usageHour(now), now, usageHour));
        const again = await store.transaction((tx) => tx.usage.record([record('s', '2026-01-01T10:30:00.000Z', 'k')], usageHour(now), now, usageHour));
        assert.deepEqual([first.stored.size, again.stored.size], [1, 0]);
        const [hour] = await store.usage.openHoursBefore('2026-01-01T12:00:00.000Z', 10);
        await store.usage.price([{ id: hour!.id, planId: 'p', termStart: 't', includedMicros: 0, billableMicros: 2_000_000 }], now);
        const late = await store.transaction((tx) => tx.usage.record([record('s', '2026-01-01T10:45:00.000Z')], usageHour(now), now, usageHour));
        assert.deepEqual([...late.stored.values()], ['2026-01-01T12:00:00.000Z']);
        const hours = await store.usage.hoursOf({ subscriptionId: 's', limit: 10, oldestFirst: true });
        assert.deepEqual(
          hours.map((h) => [h.hour, h.quantity, h.status]),
          [
            ['2026-01-01T10:00:00.000Z', 2, 'ready'],
            ['2026-01-01T12:00:00.000Z', 2, 'open'],
          ],
        );
      } finally {
        await close();
      }
    });

    it('leases at most the batch asked for; a second sender gets the next hours, none twice', async () => {
      const { store, close } = await open();
      try {
        const now = '2026-01-01T12:00:00.000Z';
        const records = Array.from({ length: 60 }, (_, i) => record(`s${i}`, '2026-01-01T10:10:00.000Z'));
        await store.transaction((tx) => tx.usage.record(records, usageHour(now), now, usageHour));
        const hours = await store.usage.openHoursBefore(now, 100);
        await store.usage.price(
          hours.map((h) => ({ id: h.id, planId: 'p', termStart: 't', includedMicros: 0, billableMicros: 2_000_000 })),
          now,
        );
        const lease = '2026-01-01T12:01:00.000Z';
        const [a, b, c] = [
          await store.usage.claim('a', now, lease, 25),
          await store.usage.claim('b', now, lease, 25),
          await store.usage.claim('c', now, lease, 25),
        ];
        assert.deepEqual([a.length, b.length, c.length], [25, 25, 10]);
        assert.equal(new Set([...a, ...b, ...c].map((h) => h.id)).size, 60);
        assert.equal((await store.usage.claim('d', now, lease, 25)).length, 0, 'all leased');
        assert.equal((await store.usage.claim('d', '2026-01-01T12:02:00.000Z', '2026-01-01T12:03:00.000Z', 25)).length, 25, 'taken back after the lease');
      } finally {
        await close();
      }
    });
  });
