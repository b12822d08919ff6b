// ISO 8601 durations: the term units and the simulator's clock moves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDuration, fixedDurationMs, parseDuration } from '@saas-fulfillment/contract';

describe('ISO 8601 durations', () => {
  it('parses the forms the simulator and terms use, and rejects the rest', () => {
    assert.deepEqual(parseDuration('P1M'), { years: 0, months: 1, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 });
    assert.equal(fixedDurationMs(parseDuration('PT10S')!), 10_000);
    assert.equal(fixedDurationMs(parseDuration('P1DT2H')!), 26 * 3_600_000);
    for (const bad of ['', 'P', 'PT', '1M', 'P1X', 'P-1D', 'tomorrow']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('adds months on the calendar, clamping to the month end', () => {
    const at = (iso: string, d: string) => addDuration(new Date(iso), parseDuration(d)!).toISOString();
    assert.equal(at('2026-01-31T00:00:00.000Z', 'P1M'), '2026-02-28T00:00:00.000Z');
    assert.equal(at('2028-01-31T00:00:00.000Z', 'P1M'), '2028-02-29T00:00:00.000Z');
    assert.equal(at('2026-03-15T10:00:00.000Z', 'P1Y'), '2027-03-15T10:00:00.000Z');
    assert.equal(at('2026-12-31T00:00:00.000Z', 'P5Y'), '2031-12-31T00:00:00.000Z');
  });
});
