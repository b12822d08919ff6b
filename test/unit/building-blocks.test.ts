// Small pieces with rules of their own: durations, the document cache, the catalog's checks, the lifecycle table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canStart, LIFECYCLE } from '../../packages/contract/src/lifecycle.js';
import { OPERATION_ACTIONS } from '../../packages/contract/src/schemas.js';
import { addDuration, fixedDurationMs, parseDuration } from '../../packages/contract/src/duration.js';
import { Catalog, CatalogError, DEMO_CATALOG, planToWire } from '../../packages/marketplace/src/catalog.js';
import { DocumentCache } from '../../packages/marketplace/src/store/document-cache.js';

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

describe('document cache', () => {
  const doc = (v: string) => ({ publisherId: 'p', doc: v });

  it('serves what was filled and forgets what was invalidated', () => {
    const cache = new DocumentCache();
    cache.fill('a', doc('1'), cache.snapshot());
    assert.deepEqual(cache.get('a'), doc('1'));
    cache.invalidate(['a']);
    assert.equal(cache.get('a'), undefined);
  });

  it('refuses a fill from a read that started before a write committed', () => {
    const cache = new DocumentCache();
    const before = cache.snapshot();
    cache.invalidate(['a']);
    cache.fill('a', doc('stale'), before);
    assert.equal(cache.get('a'), undefined);
  });

  it('stays within its limit, dropping the oldest entry', () => {
    const cache = new DocumentCache(2);
    for (const id of ['a', 'b', 'c']) cache.fill(id, doc(id), cache.snapshot());
    assert.equal(cache.get('a'), undefined);
    assert.deepEqual(cache.get('c'), doc('c'));
  });
});

describe('catalog', () => {
  const withPlan = (plan: Record<string, unknown>) => {
    const config = structuredClone(DEMO_CATALOG) as unknown as { publishers: { offers: { plans: unknown[] }[] }[] };
    config.publishers[0]!.offers[0]!.plans.push(plan);
    return config;
  };

  it('accepts the demo catalog', () => {
    assert.ok(Catalog.parse(structuredClone(DEMO_CATALOG)).plan('contoso-saas', 'pro'));
  });

  it('names the field of each semantic problem', () => {
    const config = withPlan({
      planId: 'pro',
      displayName: 'Again',
      pricing: 'flat',
      minQuantity: 3,
      billingTerms: [
        { termUnit: 'P1M', price: 1 },
        { termUnit: 'P1M', price: 2 },
      ],
    });
    assert.throws(
      () => Catalog.parse(config),
      (error: unknown) => {
        assert.ok(error instanceof CatalogError);
        assert.match(error.message, /config\.publishers\[0\]\.offers\[0\]\.plans\[5\]\.planId "pro" is used twice/);
        assert.match(error.message, /plans\[5\]\.minQuantity\/maxQuantity apply only to perSeat plans/);
        assert.match(error.message, /plans\[5\]\.billingTerms lists a termUnit twice/);
        return true;
      },
    );
  });

  it('describes plans in the spec shape, seats only for per-seat plans', () => {
    const catalog = Catalog.parse(structuredClone(DEMO_CATALOG));
    const basic = planToWire(catalog.plan('contoso-saas', 'basic')!);
    assert.equal(basic.isPricePerSeat, false);
    assert.equal(basic.minQuantity, undefined);
    const pro = planToWire(catalog.plan('contoso-saas', 'pro')!);
    assert.deepEqual([pro.minQuantity, pro.maxQuantity], [1, 100]);
    assert.deepEqual(pro.planComponents.recurrentBillingTerms[0]!.meteredQuantityIncluded, [{ dimensionId: 'api-calls', units: '10000' }]);
  });
});

describe('lifecycle table', () => {
  it('covers every action of the spec', () => {
    assert.deepEqual(Object.keys(LIFECYCLE).sort(), [...OPERATION_ACTIONS].sort());
  });

  it('allows changes only while Subscribed, reinstatement only while Suspended, and nothing after Unsubscribed', () => {
    assert.ok(canStart('ChangePlan', 'Subscribed') && !canStart('ChangePlan', 'Suspended'));
    assert.ok(canStart('Reinstate', 'Suspended') && !canStart('Reinstate', 'Subscribed'));
    for (const action of OPERATION_ACTIONS) assert.equal(canStart(action, 'Unsubscribed'), false, action);
    assert.equal(LIFECYCLE.Suspend.awaitsPublisher, false);
    assert.equal(LIFECYCLE.ChangeQuantity.awaitsPublisher, true);
  });
});
