// Purchases and landing tokens: a customer buys a plan (an auto-activated plan starts at once and is
// announced with a Subscribe webhook), and "Configure account" / "Manage account" give the publisher's
// landing page a token that resolves to the subscription.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AadIdentifier, ResolvedSubscription } from '@saas-fulfillment/contract';
import { isPlanVisibleTo, type PlanConfig, type PublisherConfig } from '../catalog.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { SubscriptionRecord } from '../model/subscriptions.js';
import { subscriptionToWire } from '../model/wire.js';
import type { FulfillmentContext } from './context.js';
import type { OperationEngine } from './operations.js';
import { firstTermEnd, purchaseQuantity } from './terms.js';
import type { Purchase, PurchaseRequest } from '../model/simulator.js';

/** What a customer buys in the simulator (`POST /simulator/purchases`). */
export class Purchases {
  constructor(
    private readonly ctx: FulfillmentContext,
    private readonly operations: OperationEngine,
  ) {}

  async purchase(request: PurchaseRequest): Promise<Purchase> {
    const { ctx } = this;
    const { subscription, plan, publisher } = this.subscriptionFor(request, randomUUID(), ctx.now());
    const now = subscription.created;
    // An auto-activated plan starts its term at once; the publisher hears of it by a Subscribe webhook.
    const bought = plan.autoActivate
      ? { ...subscription, status: 'Subscribed' as const, termStart: now, termEnd: firstTermEnd(now, subscription) }
      : subscription;
    const token = newLandingToken();
    await ctx.store.transaction(async (tx) => {
      await tx.insertSubscription(bought);
      await tx.insertLandingToken(hashToken(token), bought.id, ctx.later(ctx.settings.landingTokenTtlMs));
      if (plan.autoActivate) await this.operations.announce(tx, bought, 'Subscribe');
    });
    if (plan.autoActivate) ctx.events.webhookQueued();
    return { subscriptionId: bought.id, token, landingPageUrl: ctx.endpoints.landingLink(publisher, token) };
  }

  /** The subscription a purchase makes, not yet stored (PendingFulfillmentStart): what purchases and seeds share. */
  subscriptionFor(request: PurchaseRequest, id: string, now: string): { subscription: SubscriptionRecord; plan: PlanConfig; publisher: PublisherConfig } {
    const { ctx } = this;
    const found = ctx.catalog.offer(request.offerId);
    if (!found)
      throw E.offerNotInCatalog(
        request.offerId,
        ctx.catalog.publishers.flatMap((p) => p.offers.map((o) => o.offerId)),
      );
    const plan = ctx.catalog.plan(request.offerId, request.planId);
    if (!plan)
      throw E.planNotInOffer(
        request.planId,
        request.offerId,
        found.offer.plans.map((p) => p.planId),
      );
    if (plan.isStopSell) throw E.planStopSold(plan.planId);
    const quantity = purchaseQuantity(plan, request.quantity);
    const termUnit = request.termUnit ?? plan.billingTerms[0]?.termUnit;
    if (termUnit === undefined) throw E.noBillingTerm(plan.planId);
    if (!plan.billingTerms.some((t) => t.termUnit === termUnit)) throw E.termNotSold(plan.planId, termUnit);
    if (request.isFreeTrial && !plan.hasFreeTrial) throw E.noFreeTrial(plan.planId);

    const beneficiary = identity(request.beneficiary, 'customer');
    const purchaser = request.csp ? identity(request.purchaser, 'reseller') : request.purchaser ? identity(request.purchaser, 'customer') : beneficiary;
    if (!isPlanVisibleTo(plan, beneficiary.tenantId)) throw E.privatePlan(plan.planId, beneficiary.tenantId);
    const subscription: SubscriptionRecord = {
      id,
      publisherId: found.publisher.publisherId,
      offerId: request.offerId,
      planId: plan.planId,
      quantity,
      name: request.name?.trim() || `${found.offer.displayName} (${plan.displayName})`,
      status: 'PendingFulfillmentStart',
      beneficiary,
      purchaser,
      termUnit,
      termStart: undefined,
      termEnd: undefined,
      autoRenew: request.autoRenew ?? true,
      isTest: request.isTest ?? false,
      isFreeTrial: request.isFreeTrial ?? false,
      // A reseller's customer may only look: the reseller manages the subscription.
      allowedCustomerOperations: request.csp ? ['Read'] : ['Read', 'Update', 'Delete'],
      sandboxType: 'None',
      sessionMode: 'None',
      created: now,
      lastModified: now,
      azureSubscriptionId: request.azureSubscriptionId ?? randomUUID(),
      resourceGroup: request.resourceGroup ?? 'rg-saas',
      suspendedAt: undefined,
    };
    return { subscription, plan, publisher: found.publisher };
  }

  /** A fresh landing token for an existing subscription ("Configure account" / "Manage account"). */
  async issueLandingToken(subscriptionId: string): Promise<Purchase> {
    const { ctx } = this;
    const subscription = await ctx.requireSubscription(subscriptionId);
    const token = newLandingToken();
    await ctx.store.insertLandingToken(hashToken(token), subscriptionId, ctx.later(ctx.settings.landingTokenTtlMs));
    return { subscriptionId, token, landingPageUrl: ctx.endpoints.landingLink(ctx.publisherOf(subscription), token) };
  }

  /** Resolve (S1): the subscription a landing token names, for the publisher that owns it. */
  async resolve(publisher: PublisherConfig, token: string | undefined): Promise<ResolvedSubscription> {
    const subscription = await this.ctx.requireSubscription(await this.tokenSubscription(token));
    if (subscription.publisherId !== publisher.publisherId) throw E.notYourSubscription(subscription.id);
    const wire = subscriptionToWire(subscription);
    return {
      id: wire.id,
      subscriptionName: wire.name,
      offerId: wire.offerId,
      planId: wire.planId,
      ...(wire.quantity !== undefined ? { quantity: wire.quantity } : {}),
      subscription: wire,
    };
  }

  /**
   * The same answer as `resolve`, serialized, for the API: the subscription's stored document is spliced
   * in as it is (the hot read path's way), so nothing is mapped or serialized twice per call.
   */
  async resolveJson(publisher: PublisherConfig, token: string | undefined): Promise<string> {
    const id = await this.tokenSubscription(token);
    const found = await this.ctx.store.getSubscriptionDocument(id);
    if (!found) throw E.subscriptionNotFound(id);
    if (found.publisherId !== publisher.publisherId) throw E.notYourSubscription(id);
    const { name, offerId, planId, quantity } = JSON.parse(found.doc) as { name: string; offerId: string; planId: string; quantity?: number };
    const head = JSON.stringify({ id, subscriptionName: name, offerId, planId, ...(quantity !== undefined ? { quantity } : {}) });
    return `${head.slice(0, -1)},"subscription":${found.doc}}`;
  }

  /** The subscription a landing token names, once the token is known and unexpired. */
  private async tokenSubscription(token: string | undefined): Promise<string> {
    const { ctx } = this;
    if (token === undefined || token === '') throw E.tokenHeaderMissing();
    const found = await ctx.store.findLandingToken(hashToken(token));
    if (!found) throw E.tokenInvalid();
    if (found.expiresAt <= ctx.now()) throw E.tokenExpired();
    return found.subscriptionId;
  }

  /** Resolves a landing token for the publisher that owns its subscription (the built-in landing page). */
  async resolveAsOwner(token: string): Promise<{ publisher: PublisherConfig; resolved: ResolvedSubscription }> {
    const { ctx } = this;
    const found = await ctx.store.findLandingToken(hashToken(token));
    const subscription = found && (await ctx.store.getSubscription(found.subscriptionId));
    if (!subscription) throw E.tokenInvalid();
    const publisher = ctx.publisherOf(subscription);
    return { publisher, resolved: await this.resolve(publisher, token) };
  }
}

/** A filled-in Entra identity: the given fields, and made-up ones for those left out. */
function identity(given: AadIdentifier | undefined, kind: 'customer' | 'reseller'): AadIdentifier {
  const tenantId = given?.tenantId ?? randomUUID();
  return {
    emailId: given?.emailId ?? `${kind === 'reseller' ? 'partner' : 'buyer'}-${tenantId.slice(0, 8)}@${kind}.example.com`,
    objectId: given?.objectId ?? randomUUID(),
    tenantId,
    puid: given?.puid ?? randomBytes(8).toString('hex').toUpperCase(),
  };
}

/**
 * An opaque landing token in standard base64, so that it holds `+`, `/` and `=`: like the real one,
 * it survives only when the landing page URL-decodes it exactly once.
 */
function newLandingToken(): string {
  for (;;) {
    const token = randomBytes(96).toString('base64');
    if (token.includes('+') && token.includes('/')) return token;
  }
}

/** Tokens are kept only as hashes. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
