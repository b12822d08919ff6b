// The emulator's catalog: publishers (each an Entra app registered on its offers), their offers and plans.
// Read from a JSON file or the built-in demo; validated once at start with errors that name the field.
import { X509Certificate } from 'node:crypto';
import Type from 'typebox';
import { MARKETPLACE_RESOURCE_ID, TERM_UNITS, Uuid, type Plan, type TermUnit } from '@saas-fulfillment/contract';
import { describeErrors, validate } from '@saas-fulfillment/contract';
import { MarketplaceErrors as E } from './errors.js';

const Id = Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

const PlanConfig = Type.Object({
  planId: Id,
  displayName: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  /** `perSeat` plans are bought by quantity within [minQuantity, maxQuantity]; `flat` plans have no quantity. */
  pricing: Type.Enum(['flat', 'perSeat']),
  minQuantity: Type.Optional(Type.Integer({ minimum: 1 })),
  maxQuantity: Type.Optional(Type.Integer({ minimum: 1 })),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  /** Price per term (per seat for perSeat plans), one entry per term the plan is sold with. */
  billingTerms: Type.Array(
    Type.Object({
      termUnit: Type.Enum(TERM_UNITS),
      price: Type.Number({ minimum: 0 }),
      meteredQuantityIncluded: Type.Optional(Type.Array(Type.Object({ dimensionId: Type.String(), units: Type.Number({ minimum: 0 }) }))),
    }),
    { minItems: 1 },
  ),
  hasFreeTrial: Type.Optional(Type.Boolean()),
  /**
   * Auto-activated (Partner Center, 2025): the marketplace activates the purchase itself and tells the
   * publisher with a `Subscribe` webhook; the buyer never needs the landing page to start billing.
   */
  autoActivate: Type.Optional(Type.Boolean()),
  /** Private plans are offered only to the beneficiary tenants listed in `audience`. */
  isPrivate: Type.Optional(Type.Boolean()),
  audience: Type.Optional(Type.Array(Uuid)),
  isStopSell: Type.Optional(Type.Boolean()),
  market: Type.Optional(Type.String({ minLength: 2, maxLength: 2 })),
  meteringDimensions: Type.Optional(
    Type.Array(
      Type.Object({
        id: Id,
        displayName: Type.String(),
        unitOfMeasure: Type.String(),
        pricePerUnit: Type.Number({ minimum: 0 }),
      }),
    ),
  ),
});

const OfferConfig = Type.Object({
  offerId: Id,
  displayName: Type.String({ minLength: 1 }),
  plans: Type.Array(PlanConfig, { minItems: 1 }),
});

const PublisherConfig = Type.Object({
  publisherId: Id,
  displayName: Type.Optional(Type.String()),
  /** The publisher's Entra tenant, and the app it registered for its offers in Partner Center. */
  tenantId: Uuid,
  clientId: Uuid,
  clientSecret: Type.String({ minLength: 1 }),
  /**
   * Certificates registered on the app (Entra: Certificates & secrets), as PEM: a client assertion signed
   * with one of their keys, naming it by thumbprint, authenticates the app without a secret.
   */
  certificates: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  /** Federated credentials (workload identity): tokens from `issuer` for `subject` are exchanged for the app's. */
  federatedCredentials: Type.Optional(
    Type.Array(
      Type.Object({
        issuer: Type.String({ format: 'uri' }),
        subject: Type.String({ minLength: 1 }),
        audiences: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
      }),
    ),
  ),
  /** Connection webhook and landing page of the offers ("Technical configuration" in Partner Center). */
  webhookUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://' })),
  landingPageUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://' })),
  /**
   * Redirect URIs registered on the app for user sign-in (Entra: Authentication, Web platform); the
   * sign-in page sends codes to these only. Default: `/auth/callback` at the landing page's origin.
   */
  redirectUris: Type.Optional(Type.Array(Type.String({ format: 'uri', pattern: '^https?://' }))),
  offers: Type.Array(OfferConfig, { minItems: 1 }),
});

export const CatalogConfig = Type.Object({ publishers: Type.Array(PublisherConfig, { minItems: 1 }) });
export type CatalogConfig = Type.Static<typeof CatalogConfig>;
export type PublisherConfig = Type.Static<typeof PublisherConfig>;
export type OfferConfig = Type.Static<typeof OfferConfig>;
export type PlanConfig = Type.Static<typeof PlanConfig>;

/** Well-known development credentials, like Azurite's dev account: public, and for local use only. */
export const DEV_PUBLISHER = {
  publisherId: 'contoso',
  tenantId: '11111111-1111-4111-8111-111111111111',
  clientId: '22222222-2222-4222-8222-222222222222',
  clientSecret: 'dev-secret',
} as const;

/** Billed per call above what the plan's term includes (Partner Center: "quantity included in base"). */
const API_CALLS = { id: 'api_calls', displayName: 'API calls', unitOfMeasure: 'calls', pricePerUnit: 0.001 };

/**
 * The demo catalog. Included quantities are per billing term, as Partner Center sets them per term:
 * Enterprise includes 10,000 API calls a month, so 120,000 a year on its yearly term.
 */
export const DEMO_CATALOG: CatalogConfig = {
  publishers: [
    {
      ...DEV_PUBLISHER,
      displayName: 'Contoso',
      offers: [
        {
          offerId: 'contoso-saas',
          displayName: 'Contoso Cloud',
          plans: [
            {
              planId: 'basic',
              displayName: 'Basic',
              description: 'One workspace, flat monthly price.',
              pricing: 'flat',
              billingTerms: [
                { termUnit: 'P1M', price: 29 },
                { termUnit: 'P1Y', price: 290 },
              ],
              hasFreeTrial: true,
            },
            {
              planId: 'pro',
              displayName: 'Pro',
              description: 'Per-seat pricing for growing teams; API calls billed as used.',
              pricing: 'perSeat',
              minQuantity: 1,
              maxQuantity: 100,
              billingTerms: [
                { termUnit: 'P1M', price: 12 },
                { termUnit: 'P1Y', price: 120 },
              ],
              meteringDimensions: [API_CALLS],
            },
            {
              planId: 'enterprise',
              displayName: 'Enterprise',
              description: 'Unlimited workspaces, priority support; 10,000 API calls a month included, metered storage.',
              pricing: 'perSeat',
              minQuantity: 10,
              maxQuantity: 10000,
              billingTerms: [
                { termUnit: 'P1M', price: 30, meteredQuantityIncluded: [{ dimensionId: 'api_calls', units: 10_000 }] },
                { termUnit: 'P1Y', price: 300, meteredQuantityIncluded: [{ dimensionId: 'api_calls', units: 120_000 }] },
                { termUnit: 'P3Y', price: 800, meteredQuantityIncluded: [{ dimensionId: 'api_calls', units: 360_000 }] },
              ],
              meteringDimensions: [API_CALLS, { id: 'storage_gb', displayName: 'Storage', unitOfMeasure: 'GB-month', pricePerUnit: 0.1 }],
            },
            {
              planId: 'instant',
              displayName: 'Instant',
              description: 'Ready the moment it is bought: activated by the marketplace, no setup step. API calls billed as used.',
              pricing: 'flat',
              billingTerms: [{ termUnit: 'P1M', price: 19 }],
              meteringDimensions: [API_CALLS],
              autoActivate: true,
            },
            {
              planId: 'partner-special',
              displayName: 'Partner special (private)',
              description: 'A private plan offered to one customer tenant.',
              pricing: 'flat',
              billingTerms: [{ termUnit: 'P1Y', price: 1000 }],
              isPrivate: true,
              audience: ['33333333-3333-4333-8333-333333333333'],
            },
          ],
        },
      ],
    },
  ],
};

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/** The catalog, indexed for the lookups every request makes. */
export class Catalog {
  private readonly byClientId = new Map<string, PublisherConfig>();
  private readonly byPublisherId = new Map<string, PublisherConfig>();
  private readonly offers = new Map<string, { publisher: PublisherConfig; offer: OfferConfig }>();

  constructor(readonly config: CatalogConfig) {
    for (const publisher of config.publishers) {
      this.byClientId.set(publisher.clientId, publisher);
      this.byPublisherId.set(publisher.publisherId, publisher);
      for (const offer of publisher.offers) this.offers.set(offer.offerId, { publisher, offer });
    }
  }

  /** Validates untrusted config; throws a CatalogError naming every bad field. */
  static parse(value: unknown, source = 'config'): Catalog {
    const errors = validate(CatalogConfig, value);
    if (errors.length > 0) throw new CatalogError(describeErrors(source, errors));
    const config = value as CatalogConfig;
    const problems = semanticProblems(config).map((p) => `${source}.${p}`);
    if (problems.length > 0) throw new CatalogError(problems.join('\n'));
    return new Catalog(config);
  }

  get publishers(): readonly PublisherConfig[] {
    return this.config.publishers;
  }

  publisherByClientId(clientId: string): PublisherConfig | undefined {
    return this.byClientId.get(clientId);
  }

  publisher(publisherId: string): PublisherConfig | undefined {
    return this.byPublisherId.get(publisherId);
  }

  /** A publisher of the catalog, or a 404 naming the id. */
  requirePublisher(publisherId: string): PublisherConfig {
    const publisher = this.byPublisherId.get(publisherId);
    if (!publisher) throw E.publisherNotFound(publisherId);
    return publisher;
  }

  offer(offerId: string): { publisher: PublisherConfig; offer: OfferConfig } | undefined {
    return this.offers.get(offerId);
  }

  plan(offerId: string, planId: string): PlanConfig | undefined {
    return this.offers.get(offerId)?.offer.plans.find((p) => p.planId === planId);
  }

  /** Plans a customer in `beneficiaryTenantId` may hold: public ones and private ones meant for them. */
  plansFor(offerId: string, beneficiaryTenantId: string | undefined): PlanConfig[] {
    return (this.offers.get(offerId)?.offer.plans ?? []).filter((plan) => isPlanVisibleTo(plan, beneficiaryTenantId));
  }
}

export function isPlanVisibleTo(plan: PlanConfig, tenantId: string | undefined): boolean {
  if (!plan.isPrivate) return true;
  return !plan.audience || (tenantId !== undefined && plan.audience.includes(tenantId));
}

/** The spec's Plan shape, as listAvailablePlans returns it. */
export function planToWire(plan: PlanConfig): Plan {
  const currency = plan.currency ?? 'USD';
  const wire: Plan = {
    planId: plan.planId,
    displayName: plan.displayName,
    isPrivate: plan.isPrivate ?? false,
    hasFreeTrials: plan.hasFreeTrial ?? false,
    isPricePerSeat: plan.pricing === 'perSeat',
    isStopSell: plan.isStopSell ?? false,
    market: plan.market ?? 'US',
    planComponents: {
      recurrentBillingTerms: plan.billingTerms.map((term) => ({
        currency,
        price: term.price,
        termUnit: term.termUnit,
        termDescription: describeTerm(term.termUnit),
        ...(term.meteredQuantityIncluded
          ? { meteredQuantityIncluded: term.meteredQuantityIncluded.map((m) => ({ dimensionId: m.dimensionId, units: String(m.units) })) }
          : {}),
      })),
      meteringDimensions: (plan.meteringDimensions ?? []).map((d) => ({
        id: d.id,
        currency,
        pricePerUnit: d.pricePerUnit,
        unitOfMeasure: d.unitOfMeasure,
        displayName: d.displayName,
      })),
    },
  };
  if (plan.description !== undefined) wire.description = plan.description;
  if (plan.pricing === 'perSeat') {
    wire.minQuantity = plan.minQuantity ?? 1;
    wire.maxQuantity = plan.maxQuantity ?? 10000;
  }
  return wire;
}

function describeTerm(unit: TermUnit): string {
  const months = unit === 'P1M';
  const count = Number(unit.slice(1, -1));
  return months ? '1 month subscription' : `${count} year subscription`;
}

/** Seat limits of a per-seat plan (the defaults Partner Center applies when none are set). */
export function seatLimits(plan: PlanConfig): { min: number; max: number } {
  return { min: plan.minQuantity ?? 1, max: plan.maxQuantity ?? 10000 };
}

function semanticProblems(config: CatalogConfig): string[] {
  const problems: string[] = [];
  const seen = { publisher: new Set<string>(), client: new Set<string>(), offer: new Set<string>() };
  config.publishers.forEach((publisher, p) => {
    const at = `publishers[${p}]`;
    if (seen.publisher.has(publisher.publisherId)) problems.push(`${at}.publisherId "${publisher.publisherId}" is used twice`);
    if (seen.client.has(publisher.clientId)) problems.push(`${at}.clientId is registered to another publisher`);
    if (publisher.clientId === MARKETPLACE_RESOURCE_ID) problems.push(`${at}.clientId must not be the marketplace's own app id`);
    seen.publisher.add(publisher.publisherId);
    (publisher.certificates ?? []).forEach((pem, c) => {
      try {
        new X509Certificate(pem);
      } catch {
        problems.push(`${at}.certificates[${c}] is not a PEM certificate`);
      }
    });
    seen.client.add(publisher.clientId);
    publisher.offers.forEach((offer, o) => {
      const offerAt = `${at}.offers[${o}]`;
      if (seen.offer.has(offer.offerId)) problems.push(`${offerAt}.offerId "${offer.offerId}" is used twice`);
      seen.offer.add(offer.offerId);
      const plans = new Set<string>();
      offer.plans.forEach((plan, i) => {
        const planAt = `${offerAt}.plans[${i}]`;
        if (plans.has(plan.planId)) problems.push(`${planAt}.planId "${plan.planId}" is used twice in the offer`);
        plans.add(plan.planId);
        if (plan.pricing === 'flat' && (plan.minQuantity !== undefined || plan.maxQuantity !== undefined))
          problems.push(`${planAt}.minQuantity/maxQuantity apply only to perSeat plans`);
        if ((plan.minQuantity ?? 1) > (plan.maxQuantity ?? 10000)) problems.push(`${planAt}.minQuantity must not exceed maxQuantity`);
        const units = plan.billingTerms.map((t) => t.termUnit);
        if (new Set(units).size !== units.length) problems.push(`${planAt}.billingTerms lists a termUnit twice`);
        if (plan.audience && !plan.isPrivate) problems.push(`${planAt}.audience needs isPrivate: true`);
        const dimensions = new Set((plan.meteringDimensions ?? []).map((d) => d.id));
        plan.billingTerms.forEach((term, t) => {
          for (const included of term.meteredQuantityIncluded ?? [])
            if (!dimensions.has(included.dimensionId))
              problems.push(`${planAt}.billingTerms[${t}].meteredQuantityIncluded names dimension "${included.dimensionId}", which the plan does not meter`);
        });
      });
    });
  });
  return problems;
}
