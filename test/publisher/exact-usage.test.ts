// Usage is added exactly (issue 19): quantities are whole millionths of a unit from the record to the
// event Microsoft receives. Properties at 10,000 runs: a quantity reads into micros and back to the same
// decimal; pricing splits an hour into included and billable with nothing lost; and the ledger, on a real
// store, totals any split of a quantity into records (in any batches, some twice, some late, some past the
// ceiling) exactly as a plain model of its rules says.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fromMicros, MAX_QUANTITY_MICROS, toMicros, usageHour, type Plan } from '@saas-fulfillment/contract';
import { openPublisherStore, type PublisherStore } from '@saas-fulfillment/publisher';
import { priceHours, type NewUsageRecord } from '@saas-fulfillment/publisher/internals';
import { testDialects, testLocation, type TestLocation } from '../helpers/databases.js';
import { openHour } from '../helpers/usage-hour.js';

/** 10,000 under `npm test` (and CI); `npm run test:unit`, the quick loop, sets PROPERTY_RUNS to 1,000. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 10_000);
/** The exact decimal of a whole number of micros, written out by hand: what Microsoft must read. */
const decimalOf = (micros: number) => {
  const digits = String(micros).padStart(7, '0');
  const fraction = digits.slice(-6).replace(/0+$/, '');
  return digits.slice(0, -6) + (fraction ? `.${fraction}` : '');
};
const anyMicros = fc.integer({ min: 1, max: MAX_QUANTITY_MICROS });

describe('quantities in micros', () => {
  it('reads any quantity of up to six decimals into micros and sends it back as the same decimal', () => {
    fc.assert(
      fc.property(anyMicros, (micros) => {
        const units = fromMicros(micros);
        assert.equal(toMicros(units), micros);
        assert.equal(JSON.stringify(units), decimalOf(micros), 'the JSON number is the decimal, digit for digit');
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a seventh decimal, a value past the ceiling, and what is not a finite positive number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 1, max: 9 }), (micros, seventh) => {
        const digits = String(micros).padStart(7, '0');
        assert.equal(toMicros(Number(`${digits.slice(0, -6)}.${digits.slice(-6)}${seventh}`)), undefined);
      }),
      { numRuns: RUNS },
    );
    for (const bad of [1e-7, 1_000_000_000, 1e15, Number.NaN, Number.POSITIVE_INFINITY, -1]) assert.equal(toMicros(bad), undefined, String(bad));
    assert.equal(toMicros(999_999_999.999999), MAX_QUANTITY_MICROS);
  });

  it('prices any run of hours into included and billable parts that add up to each hour exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000_000_000 }), fc.array(anyMicros, { minLength: 1, maxLength: 24 }), (includedMicros, quantities) => {
        const term = { start: '2026-06-01T00:00:00.000Z', end: '2026-07-01T00:00:00.000Z', unit: 'P1M' };
        const hours = quantities.map((micros, i) => openHour(`2026-06-02T${String(i).padStart(2, '0')}:00:00.000Z`, fromMicros(micros)));
        const prices = priceHours(hours, meteredPlan(fromMicros(includedMicros)), term, new Map());
        let covered = 0;
        for (const [i, price] of prices.entries()) {
          assert.ok(price.includedMicros >= 0 && price.billableMicros >= 0);
          assert.equal(price.includedMicros + price.billableMicros, quantities[i]);
          covered += price.includedMicros;
        }
        assert.equal(
          covered,
          Math.min(
            includedMicros,
            quantities.reduce((a, b) => a + b, 0),
          ),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

for (const dialect of await testDialects()) {
  describe(`the usage ledger adds exactly on ${dialect}`, () => {
    let location: TestLocation;
    let store: PublisherStore;
    let close: () => Promise<void>;
    before(async () => {
      location = testLocation(dialect);
      // SQLite in memory: the arithmetic is the same as on a file, without 10,000 waits for the disk.
      const opened = await openPublisherStore({
        dataDir: location.dataDir,
        databaseUrl: location.databaseUrl,
        schema: location.schema,
        inMemory: dialect === 'sqlite',
      });
      store = opened.store;
      close = () => opened.database.close();
    });
    after(async () => {
      await close();
      await location.cleanup();
    });
    /** Prices the subscription's hour 10 (as the submitter would once it is over): later records go to hour 11. */
    const priceOwnHour = async (subscription: string, now: string) => {
      const open = await store.usage.hoursOf({ subscriptionId: subscription, status: ['open'], limit: 5 });
      const own = open.find((h) => h.hour === '2026-06-02T10:00:00.000Z');
      if (own)
        await store.usage.price([{ id: own.id, planId: 'pro', termStart: own.hour, includedMicros: 0, billableMicros: toMicros(own.quantity) ?? 0 }], now);
    };

    it('totals any split of a quantity into records, in any batches, some sent twice, some late, some past the ceiling, as a model says', async () => {
      // Hour 10 is recorded into until, maybe, it is priced between two batches; then records join hour 11.
      const now = '2026-06-02T11:30:00.000Z';
      const micros = fc.oneof(fc.integer({ min: 1, max: 10_000_000_000 }), fc.integer({ min: Math.floor(MAX_QUANTITY_MICROS / 4), max: MAX_QUANTITY_MICROS }));
      const parts = fc.array(fc.record({ micros, twice: fc.boolean() }), { minLength: 1, maxLength: 12 });
      await fc.assert(
        fc.asyncProperty(parts, fc.integer({ min: 1, max: 4 }), fc.option(fc.integer({ min: 0, max: 3 })), async (split, batches, pricedAfter) => {
          const subscription = randomUUID();
          const records = split.map((part, i) => usageRecord(subscription, part.micros, `k${i}`));
          const sent = [...records, ...records.filter((_, i) => split[i]!.twice).map((r) => ({ ...r, id: randomUUID() }))];
          const size = Math.ceil(sent.length / batches);
          const model = new LedgerModel();
          const refused = new Set<string>();
          for (let start = 0, batch = 0; start < sent.length; start += size, batch++) {
            const chunk = sent.slice(start, start + size);
            const result = await store.transaction((tx) => tx.usage.record(chunk, usageHour(now), now, usageHour));
            for (const id of result.overLimit) refused.add(id);
            model.record(chunk);
            if (batch === pricedAfter) {
              await priceOwnHour(subscription, now);
              model.priceOwnHour();
            }
          }
          const hours = await store.usage.hoursOf({ subscriptionId: subscription, limit: 5, oldestFirst: true });
          assert.deepEqual(
            hours.map((h) => [h.hour, toMicros(h.quantity), h.records]),
            model.hours().map((h) => [h.hour, h.micros, h.records]),
          );
          assert.deepEqual([...refused].sort(), [...model.refused].sort());
          assert.equal((await store.usage.recordsOf(subscription, 100)).length, model.stored, 'each record kept once, none refused kept');
        }),
        { numRuns: dialect === 'sqlite' ? RUNS : Math.ceil(RUNS / 20) },
      );
    });

    it('refuses the records that would take an hour past 999999999.999999, keeps the rest, and the total stays exact', async () => {
      const now = '2026-06-02T10:30:00.000Z';
      const subscription = randomUUID();
      const [big, fits, over, alsoOver] = [999_999_999_000_000, 999_999, 1, 2].map((micros) => usageRecord(subscription, micros));
      const result = await store.transaction((tx) => tx.usage.record([big!, fits!, over!, alsoOver!], usageHour(now), now, usageHour));
      assert.deepEqual(new Set(result.overLimit), new Set([over!.id, alsoOver!.id]));
      assert.deepEqual(new Set(result.stored.keys()), new Set([big!.id, fits!.id]));
      const [hour] = await store.usage.hoursOf({ subscriptionId: subscription, limit: 1 });
      assert.deepEqual([hour!.quantity, hour!.records], [999_999_999.999999, 2]);
      assert.equal((await store.usage.recordsOf(subscription, 10)).length, 2, 'a refused record is not kept');
    });
  });
}

/**
 * What the ledger must do, written plainly: a key already stored (or earlier in the same batch) is a
 * duplicate; the rest join the hour in order while the hour's total stays within the ceiling, the own hour
 * while it is open and hour 11 once it is priced; a record that does not fit is refused and not kept.
 */
class LedgerModel {
  private readonly totals = new Map<string, { micros: number; records: number }>();
  private readonly keys = new Set<string>();
  private ownHourOpen = true;
  readonly refused = new Set<string>();
  stored = 0;

  record(batch: readonly NewUsageRecord[]): void {
    const batchKeys = new Set<string>();
    const fresh = batch.filter((r) => {
      const key = r.idempotency_key ?? r.id;
      if (this.keys.has(key) || batchKeys.has(key)) return false;
      batchKeys.add(key);
      return true;
    });
    const hour = this.ownHourOpen ? '2026-06-02T10:00:00.000Z' : '2026-06-02T11:00:00.000Z';
    const total = this.totals.get(hour) ?? { micros: 0, records: 0 };
    for (const r of fresh) {
      if (total.micros + r.quantity_micros > MAX_QUANTITY_MICROS) {
        this.refused.add(r.id);
        continue;
      }
      total.micros += r.quantity_micros;
      total.records += 1;
      this.keys.add(r.idempotency_key ?? r.id);
      this.stored += 1;
    }
    if (total.records > 0) this.totals.set(hour, total);
  }

  priceOwnHour(): void {
    this.ownHourOpen = false;
  }

  hours(): { hour: string; micros: number; records: number }[] {
    return [...this.totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([hour, t]) => ({ hour, ...t }));
  }
}

function usageRecord(subscription: string, micros: number, key?: string): NewUsageRecord {
  return {
    id: randomUUID(),
    subscription_id: subscription,
    dimension: 'api_calls',
    quantity_micros: micros,
    occurred_at: '2026-06-02T10:05:00.000Z',
    idempotency_key: key ?? null,
    received_at: '2026-06-02T10:30:00.000Z',
    source: 'app',
  };
}

function meteredPlan(included: number): Plan {
  return {
    planId: 'metered',
    displayName: 'Metered',
    isPrivate: false,
    isStopSell: false,
    hasFreeTrials: false,
    isPricePerSeat: false,
    market: 'US',
    planComponents: {
      recurrentBillingTerms: [
        { termUnit: 'P1M', currency: 'USD', price: 10, meteredQuantityIncluded: [{ dimensionId: 'api_calls', units: String(included) }] },
      ],
      meteringDimensions: [{ id: 'api_calls', currency: 'USD', pricePerUnit: 0.01, unitOfMeasure: 'call', displayName: 'API calls' }],
    },
  };
}
