// Pricing rules on their own: the term an instant falls in (stepping over renewals not yet heard of,
// and back into the previous term), and the included quantity consumed hour by hour in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan } from '@saas-fulfillment/contract';
import { includedMicros, priceHours, termStartOf } from '@saas-fulfillment/publisher/internals';
import { openHour } from '../helpers/usage-hour.js';

const TERM = { start: '2026-01-31T09:00:00.000Z', end: '2026-02-28T09:00:00.000Z', unit: 'P1M' };

const plan: Plan = {
  planId: 'enterprise',
  displayName: 'Enterprise',
  isPrivate: false,
  isStopSell: false,
  hasFreeTrials: false,
  isPricePerSeat: true,
  market: 'US',
  planComponents: {
    recurrentBillingTerms: [
      { termUnit: 'P1M', currency: 'USD', price: 30, meteredQuantityIncluded: [{ dimensionId: 'api_calls', units: '100' }] },
      { termUnit: 'P1Y', currency: 'USD', price: 300, meteredQuantityIncluded: [{ dimensionId: 'api_calls', units: '1200' }] },
    ],
    meteringDimensions: [
      { id: 'api_calls', currency: 'USD', pricePerUnit: 0.001, unitOfMeasure: 'call', displayName: 'API calls' },
      { id: 'storage_gb', currency: 'USD', pricePerUnit: 0.1, unitOfMeasure: 'GB', displayName: 'Storage' },
    ],
  },
};

describe('metering pricing', () => {
  it('places an instant in its term, stepping forward past an unseen renewal and back into the previous term', () => {
    assert.equal(termStartOf('2026-02-10T00:00:00.000Z', TERM), TERM.start);
    assert.equal(termStartOf('2026-02-28T09:00:00.000Z', TERM), '2026-02-28T09:00:00.000Z', 'a term starts at the previous end');
    assert.equal(termStartOf('2026-03-29T00:00:00.000Z', TERM), '2026-03-28T09:00:00.000Z', 'two renewals on');
    assert.equal(termStartOf('2026-01-20T00:00:00.000Z', TERM), '2025-12-31T09:00:00.000Z', 'the previous term');
  });

  it('reads the included quantity of the subscription’s term unit, 0 for a dimension without one', () => {
    assert.equal(includedMicros(plan, 'P1M', 'api_calls'), 100_000_000);
    assert.equal(includedMicros(plan, 'P1Y', 'api_calls'), 1_200_000_000);
    assert.equal(includedMicros(plan, 'P1M', 'storage_gb'), 0);
  });

  it('consumes the included quantity in time order per dimension and term, whatever order the hours come in', () => {
    const used = new Map<string, number>();
    const prices = priceHours(
      [
        openHour('2026-02-01T12:00:00.000Z', 50),
        openHour('2026-02-01T10:00:00.000Z', 60),
        openHour('2026-02-01T11:00:00.000Z', 0.3),
        openHour('2026-02-01T10:00:00.000Z', 5, 'storage_gb'),
        openHour('2026-02-28T09:00:00.000Z', 40),
      ],
      plan,
      TERM,
      used,
    );
    // In micros: 39.7 + 10.3 is 50 exactly, as no sum of doubles would promise.
    const byId = Object.fromEntries(prices.map((p) => [p.id, [p.includedMicros, p.billableMicros]]));
    assert.deepEqual(byId, {
      'api_calls-2026-02-01T10:00:00.000Z': [60_000_000, 0],
      'api_calls-2026-02-01T11:00:00.000Z': [300_000, 0],
      'api_calls-2026-02-01T12:00:00.000Z': [39_700_000, 10_300_000],
      'storage_gb-2026-02-01T10:00:00.000Z': [0, 5_000_000],
      'api_calls-2026-02-28T09:00:00.000Z': [40_000_000, 0],
    });
    // A later pass goes on from what this one used.
    const next = priceHours([openHour('2026-02-01T13:00:00.000Z', 10)], plan, TERM, used);
    assert.deepEqual([next[0]?.includedMicros, next[0]?.billableMicros], [0, 10_000_000]);
  });
});
