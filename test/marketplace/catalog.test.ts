// The catalog's checks (each bad field named) and the spec's Plan shape made from it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Catalog, CatalogError, DEMO_CATALOG } from '@saas-fulfillment/marketplace';
import { planToWire } from '@saas-fulfillment/marketplace/internals';

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
    assert.deepEqual(
      pro.planComponents.meteringDimensions.map((d) => d.id),
      ['api_calls'],
    );
    const enterprise = planToWire(catalog.plan('contoso-saas', 'enterprise')!);
    const monthly = enterprise.planComponents.recurrentBillingTerms.find((t) => t.termUnit === 'P1M');
    assert.deepEqual(monthly?.meteredQuantityIncluded, [{ dimensionId: 'api_calls', units: '10000' }]);
  });

  it('refuses an included quantity for a dimension the plan does not meter', () => {
    const config = structuredClone(DEMO_CATALOG);
    config.publishers[0]!.offers[0]!.plans[0]!.billingTerms[0]!.meteredQuantityIncluded = [{ dimensionId: 'emails', units: 5 }];
    assert.throws(
      () => Catalog.parse(config),
      /plans\[0\]\.billingTerms\[0\]\.meteredQuantityIncluded names dimension "emails", which the plan does not meter/,
    );
  });
});
