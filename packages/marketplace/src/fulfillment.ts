// Microsoft's side of SaaS fulfillment: purchases, landing tokens, activation, plan and seat changes,
// operations and their acknowledgement, and the time rules (renewal, trial end, suspension grace).
// Every state change and the webhook it causes are written in one transaction.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '@saas-fulfillment/contract';
import { ApiError, badRequest } from '@saas-fulfillment/contract';
import { canStart, LIFECYCLE, SUSPENSION_GRACE_DAYS } from '@saas-fulfillment/contract';
import type {
  AadIdentifier,
  OperationAction,
  OperationRequestSource,
  ResolvedSubscription,
  SaaSOperation,
  SubscriberPlan,
  TermUnit,
  UpdateOperation,
} from '@saas-fulfillment/contract';
import { addDuration, durationOf } from '@saas-fulfillment/contract';
import { isPlanVisibleTo, seatLimits, type Catalog, type PlanConfig, type PublisherConfig } from './catalog.js';
import { MarketplaceErrors as E } from './errors.js';
import type { PublisherEndpoints } from './endpoints.js';
import type { MarketplaceSettings } from './settings.js';
import type { MarketplaceStore } from './store/repository.js';
import type { DeliveryRecord, OperationRecord, SubscriptionRecord } from './model.js';
import { operationToWire, subscriptionToWire, webhookPayload } from './wire.js';

export interface PurchaseRequest {
  offerId: string;
  planId: string;
  quantity?: number | undefined;
  name?: string | undefined;
  purchaser?: AadIdentifier | undefined;
  beneficiary?: AadIdentifier | undefined;
  isFreeTrial?: boolean | undefined;
  isTest?: boolean | undefined;
  termUnit?: TermUnit | undefined;
  autoRenew?: boolean | undefined;
  /** A reseller (CSP) purchase: the purchaser is the partner's tenant, the beneficiary the customer's. */
  csp?: boolean | undefined;
}

export interface Purchase {
  subscriptionId: string;
  token: string;
  /** The publisher's landing page with the token, as "Configure account now" opens it. */
  landingPageUrl: string;
}

export type CustomerAction = 'ChangePlan' | 'ChangeQuantity' | 'Suspend' | 'Reinstate' | 'Unsubscribe' | 'Renew';

export interface CustomerActionRequest {
  action: CustomerAction;
  planId?: string | undefined;
  quantity?: number | undefined;
}

/** Hooks the service calls after a transaction commits (the webhook worker wakes on them). */
export interface FulfillmentEvents {
  webhookQueued(): void;
}

const FREE_TRIAL = durationOf('P1M');
const MAX_DUE_BATCH = 200;

export class FulfillmentService {
  constructor(
    private readonly store: MarketplaceStore,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly settings: MarketplaceSettings,
    private readonly endpoints: PublisherEndpoints,
    private readonly events: FulfillmentEvents = { webhookQueued: () => {} },
  ) {}

  // Purchases and landing tokens (the simulator's side)

  async purchase(request: PurchaseRequest): Promise<Purchase> {
    const found = this.catalog.offer(request.offerId);
    if (!found) throw badRequest('BadArgument', `Offer '${request.offerId}' is not in the catalog`, 'offerId');
    const plan = this.catalog.plan(request.offerId, request.planId);
    if (!plan) throw badRequest('BadArgument', `Plan '${request.planId}' is not a plan of offer ${request.offerId}`, 'planId');
    if (plan.isStopSell) throw badRequest('BadArgument', `Plan '${plan.planId}' is no longer sold`, 'planId');
    const quantity = purchaseQuantity(plan, request.quantity);
    const termUnit = request.termUnit ?? plan.billingTerms[0]?.termUnit;
    if (termUnit === undefined) throw badRequest('BadArgument', `Plan '${plan.planId}' has no billing term`, 'termUnit');
    if (!plan.billingTerms.some((t) => t.termUnit === termUnit)) {
      throw badRequest('BadArgument', `Plan '${plan.planId}' is not sold with term ${termUnit}`, 'termUnit');
    }
    if (request.isFreeTrial && !plan.hasFreeTrial) throw badRequest('BadArgument', `Plan '${plan.planId}' has no free trial`, 'isFreeTrial');

    const id = randomUUID();
    const beneficiary = identity(request.beneficiary, 'customer');
    const purchaser = request.csp ? identity(request.purchaser, 'reseller') : request.purchaser ? identity(request.purchaser, 'customer') : beneficiary;
    if (!isPlanVisibleTo(plan, beneficiary.tenantId)) {
      throw badRequest('BadArgument', `Plan '${plan.planId}' is private and not offered to tenant ${beneficiary.tenantId}`, 'planId');
    }
    const now = this.now();
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
      suspendedAt: undefined,
    };
    // An auto-activated plan starts its term at once; the publisher hears of it by a Subscribe webhook.
    const bought = plan.autoActivate
      ? { ...subscription, status: 'Subscribed' as const, termStart: now, termEnd: termEndFrom(now, subscription) }
      : subscription;
    const token = newLandingToken();
    await this.store.transaction(async (tx) => {
      await tx.insertSubscription(bought);
      await tx.insertLandingToken(hashToken(token), id, this.later(this.settings.landingTokenTtlMs));
      if (plan.autoActivate) {
        const operation = {
          ...this.newOperation(bought, 'Subscribe', 'Azure', { planId: bought.planId, quantity: bought.quantity }),
          status: 'Succeeded' as const,
        };
        await tx.insertOperation(operation);
        await this.queueWebhook(tx, operation, bought);
      }
    });
    if (plan.autoActivate) this.events.webhookQueued();
    return { subscriptionId: id, token, landingPageUrl: this.endpoints.landingLink(found.publisher, token) };
  }

  /** A fresh landing token for an existing subscription ("Configure account" / "Manage account"). */
  async issueLandingToken(subscriptionId: string): Promise<Purchase> {
    const subscription = await this.requireSubscription(subscriptionId);
    const token = newLandingToken();
    await this.store.insertLandingToken(hashToken(token), subscriptionId, this.later(this.settings.landingTokenTtlMs));
    return { subscriptionId, token, landingPageUrl: this.endpoints.landingLink(this.publisherOf(subscription), token) };
  }

  /** Resolves a landing token for the publisher that owns its subscription (the built-in landing page). */
  async resolveAsOwner(token: string): Promise<{ publisher: PublisherConfig; resolved: ResolvedSubscription }> {
    const found = await this.store.findLandingToken(hashToken(token));
    const subscription = found && (await this.store.getSubscription(found.subscriptionId));
    if (!subscription) throw E.tokenInvalid();
    const publisher = this.publisherOf(subscription);
    return { publisher, resolved: await this.resolve(publisher, token) };
  }

  /** Sends a past delivery's payload again, as a new delivery to the publisher's current webhook. */
  async redeliver(deliveryId: string): Promise<DeliveryRecord> {
    const past = await this.store.getDelivery(deliveryId);
    if (!past) throw new ApiError(404, 'EntityNotFound', `Delivery ${deliveryId} not found`, 'deliveryId');
    const publisher = this.catalog.publisher(past.publisherId);
    if (!publisher) throw new ApiError(404, 'EntityNotFound', `Publisher ${past.publisherId} is no longer in the catalog`, 'publisherId');
    const delivery = this.newDelivery(past.operationId, past.subscriptionId, publisher, past.payload);
    await this.store.insertDelivery(delivery);
    this.events.webhookQueued();
    return delivery;
  }

  // Fulfillment API (the publisher's side)

  async resolve(publisher: PublisherConfig, token: string | undefined): Promise<ResolvedSubscription> {
    if (token === undefined || token === '') throw E.tokenHeaderMissing();
    const found = await this.store.findLandingToken(hashToken(token));
    if (!found) throw E.tokenInvalid();
    if (found.expiresAt <= this.now()) throw E.tokenExpired();
    const subscription = await this.requireSubscription(found.subscriptionId);
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

  /** The subscription as the API returns it, serialized (Subscription JSON). */
  async getSubscriptionJson(publisher: PublisherConfig, id: string): Promise<string> {
    const found = await this.store.getSubscriptionDocument(id);
    if (!found) throw E.subscriptionNotFound(id);
    if (found.publisherId !== publisher.publisherId) throw E.notYourSubscription(id);
    return found.doc;
  }

  /** One page of the publisher's subscriptions (a serialized JSON array body), and the id to continue after if there are more. */
  async listSubscriptionsJson(
    publisher: PublisherConfig,
    afterId: string | undefined,
    pageSize: number,
  ): Promise<{ json: string; nextAfter: string | undefined }> {
    const page = await this.store.subscriptionPageJson({ publisherId: publisher.publisherId, afterId, limit: pageSize });
    const more = page.count === pageSize && page.lastId !== undefined && (await this.store.hasSubscriptionAfter(publisher.publisherId, page.lastId));
    return { json: page.json, nextAfter: more ? page.lastId : undefined };
  }

  async availablePlans(publisher: PublisherConfig, id: string, planId?: string): Promise<PlanConfig[]> {
    const subscription = await this.ownSubscription(publisher, id);
    const plans = this.catalog
      .plansFor(subscription.offerId, subscription.beneficiary.tenantId)
      .filter((p) => !p.isStopSell || p.planId === subscription.planId);
    return planId === undefined ? plans : plans.filter((p) => p.planId === planId);
  }

  async activate(publisher: PublisherConfig, id: string, body: SubscriberPlan): Promise<void> {
    await this.store.transaction(async (tx) => {
      const subscription = await this.ownSubscription(publisher, id, tx);
      if (subscription.status === 'Unsubscribed') throw E.unsubscribedCannotActivate(id);
      // Activating what the marketplace already activated (an auto-activated plan) changes nothing.
      const alreadyActive = subscription.status === 'Subscribed' && (await tx.listOperations(id)).some((o) => o.action === 'Subscribe');
      if (subscription.status !== 'PendingFulfillmentStart' && !alreadyActive) throw E.notPending(subscription.status);
      if (body.planId === undefined) throw E.planIdRequired();
      if (body.planId !== subscription.planId) throw E.planMismatch(body.planId, subscription.planId);
      if (body.quantity !== undefined && body.quantity !== subscription.quantity) throw E.quantityMismatch(body.quantity, subscription.quantity);
      if (alreadyActive) return;
      const now = this.now();
      await tx.updateSubscription({ ...subscription, status: 'Subscribed', termStart: now, termEnd: termEndFrom(now, subscription), lastModified: now });
    });
  }

  /** Publisher PATCH: a plan or seat change, completed by Microsoft after a short delay. */
  async requestChange(publisher: PublisherConfig, id: string, body: SubscriberPlan): Promise<OperationRecord> {
    if (body.planId !== undefined && body.quantity !== undefined) throw E.patchBoth();
    if (body.planId === undefined && body.quantity === undefined) throw E.patchNothing();
    return this.startOperation(publisher, id, 'Partner', { action: body.planId !== undefined ? 'ChangePlan' : 'ChangeQuantity', ...body });
  }

  /** Publisher DELETE: cancel the subscription. */
  async requestUnsubscribe(publisher: PublisherConfig, id: string): Promise<OperationRecord> {
    return this.startOperation(publisher, id, 'Partner', { action: 'Unsubscribe' });
  }

  /** What the customer (or their reseller) does in the Azure portal / Microsoft 365 admin center. */
  async customerAction(id: string, request: CustomerActionRequest): Promise<OperationRecord> {
    return this.startOperation(undefined, id, 'Azure', request);
  }

  /** Operations still waiting on the publisher (O1). */
  async outstandingOperations(publisher: PublisherConfig, id: string): Promise<SaaSOperation[]> {
    await this.ownSubscription(publisher, id);
    return (await this.store.listOperations(id, 'InProgress')).map(operationToWire);
  }

  async getOperation(publisher: PublisherConfig, subscriptionId: string, operationId: string): Promise<SaaSOperation> {
    await this.ownSubscription(publisher, subscriptionId);
    const operation = await this.store.getOperation(operationId);
    if (!operation || operation.subscriptionId !== subscriptionId) throw E.operationNotFound(operationId);
    return operationToWire(operation);
  }

  /** The publisher's PATCH of an operation (O3): Success applies it, Failure leaves the subscription as it was. */
  async acknowledge(publisher: PublisherConfig, subscriptionId: string, operationId: string, body: UpdateOperation): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.ownSubscription(publisher, subscriptionId, tx);
      const operation = await tx.getOperation(operationId);
      if (!operation || operation.subscriptionId !== subscriptionId) throw E.operationNotFound(operationId);
      if (!LIFECYCLE[operation.action].awaitsPublisher) throw E.notAcknowledgeable(operation.action);
      if (operation.source === 'Partner') throw E.partnerOperation();
      if (operation.status !== 'InProgress') throw E.operationCompleted(operation.status);
      if (body.planId !== undefined && body.planId !== operation.planId) throw E.ackMismatch('planId', body.planId, operation.planId);
      if (body.quantity !== undefined && body.quantity !== operation.quantity) throw E.ackMismatch('quantity', body.quantity, operation.quantity);
      if (body.status === 'Success') await this.complete(tx, operation);
      else await this.fail(tx, operation, 'The publisher reported Failure');
    });
  }

  // Time rules and deferred completions

  /** Applies everything that is due at the clock's now; returns how many things happened. */
  async runDueWork(): Promise<number> {
    let done = 0;
    for (const operation of await this.store.operationsDue(this.now(), MAX_DUE_BATCH)) {
      done += await this.store.transaction(async (tx) => {
        const current = await tx.getOperation(operation.id);
        if (current?.status !== 'InProgress') return 0;
        await this.complete(tx, current);
        return 1;
      });
    }
    // A clock moved by years renews a subscription many times over: repeat until nothing is due.
    for (let round = 0; round < 100; round++) {
      const now = this.now();
      const graceStart = new Date(Date.parse(now) - SUSPENSION_GRACE_DAYS * 86_400_000).toISOString();
      const due = await this.store.subscriptionsDue(now, graceStart, MAX_DUE_BATCH);
      if (due.length === 0) break;
      for (const subscription of due) done += await this.store.transaction((tx) => this.applyTimeRule(tx, subscription.id));
    }
    if (done > 0) this.events.webhookQueued();
    return done;
  }

  /** Webhook outcome for an operation that waits on the publisher: delivered starts the window, refused fails it. */
  async webhookSettled(delivery: DeliveryRecord, outcome: 'Delivered' | 'Rejected' | 'Abandoned'): Promise<void> {
    await this.store.transaction(async (tx) => {
      const operation = await tx.getOperation(delivery.operationId);
      if (operation?.status !== 'InProgress' || operation.source !== 'Azure') return;
      if (outcome === 'Delivered') {
        if (operation.completesAt !== undefined || !this.completesOnItsOwn(operation.action)) return;
        await tx.updateOperation({ ...operation, completesAt: this.later(this.settings.acknowledgeWindowMs) });
      } else if (outcome === 'Rejected') {
        await this.fail(tx, operation, `The publisher's webhook answered HTTP ${delivery.lastStatusCode ?? '4xx'}`);
      } else {
        await this.fail(tx, operation, 'The webhook was never accepted by the publisher');
      }
    });
  }

  // Internals

  private async startOperation(
    publisher: PublisherConfig | undefined,
    id: string,
    source: OperationRequestSource,
    request: { action: OperationAction; planId?: string | undefined; quantity?: number | undefined },
  ): Promise<OperationRecord> {
    const { action } = request;
    const operation = await this.store.transaction(async (tx) => {
      const subscription = publisher ? await this.ownSubscription(publisher, id, tx) : await this.requireSubscription(id, tx);
      if (publisher) this.checkPublisherMayChange(subscription, action);
      if (!canStart(action, subscription.status)) {
        if (action === 'Unsubscribe') throw E.alreadyUnsubscribed(id);
        if (source === 'Partner') throw E.notActive(subscription.status);
        throw badRequest('BadRequest', `${action} is not possible while the subscription is ${subscription.status}`, 'action');
      }
      if (LIFECYCLE[action].awaitsPublisher && (await tx.listOperations(id, 'InProgress')).length > 0) throw E.locked();
      const target = this.changeTarget(subscription, request);

      const awaits = LIFECYCLE[action].awaitsPublisher && source === 'Azure';
      const operation = this.newOperation(subscription, action, source, target);
      if (source === 'Partner') {
        // Microsoft takes a moment to carry out a publisher's request, then tells the webhook.
        operation.status = 'InProgress';
        operation.completesAt = this.later(this.settings.partnerOperationDelayMs);
        await tx.insertOperation(operation);
      } else if (awaits) {
        operation.status = 'InProgress';
        await tx.insertOperation(operation);
        await this.queueWebhook(tx, operation, subscription);
      } else {
        operation.status = 'Succeeded';
        await tx.insertOperation(operation);
        await this.queueWebhook(tx, operation, await this.apply(tx, subscription, operation));
      }
      return operation;
    });
    this.events.webhookQueued();
    return operation;
  }

  private checkPublisherMayChange(subscription: SubscriptionRecord, action: OperationAction): void {
    if (action === 'Unsubscribe' && !subscription.allowedCustomerOperations.includes('Delete')) throw E.operationNotAllowed('Delete');
    if (action !== 'Unsubscribe' && !subscription.allowedCustomerOperations.includes('Update')) throw E.operationNotAllowed('Update');
  }

  /** Validates a plan or seat change and returns the plan and quantity the subscription would have after it. */
  private changeTarget(
    subscription: SubscriptionRecord,
    request: { action: OperationAction; planId?: string | undefined; quantity?: number | undefined },
  ): { planId: string; quantity: number | undefined } {
    if (request.action === 'ChangePlan') {
      if (request.planId === undefined) throw E.planIdRequired();
      const plan = this.catalog.plan(subscription.offerId, request.planId);
      if (!plan || plan.isStopSell || !isPlanVisibleTo(plan, subscription.beneficiary.tenantId)) throw E.planNotAvailable(request.planId);
      if (plan.planId === subscription.planId) throw E.samePlan(plan.planId);
      return { planId: plan.planId, quantity: quantityOnPlan(plan, subscription.quantity) };
    }
    if (request.action === 'ChangeQuantity') {
      if (request.quantity === undefined) throw badRequest('BadArgument', 'quantity is required', 'quantity');
      const plan = this.catalog.plan(subscription.offerId, subscription.planId);
      if (plan?.pricing !== 'perSeat') throw E.notPerSeat(subscription.planId);
      const { min, max } = seatLimits(plan);
      if (request.quantity < min || request.quantity > max) throw E.quantityOutOfRange(request.quantity, min, max);
      if (request.quantity === subscription.quantity) throw E.sameQuantity(request.quantity);
      return { planId: subscription.planId, quantity: request.quantity };
    }
    return { planId: subscription.planId, quantity: subscription.quantity };
  }

  private newOperation(
    subscription: SubscriptionRecord,
    action: OperationAction,
    source: OperationRequestSource,
    target: { planId: string; quantity: number | undefined },
  ): OperationRecord {
    return {
      id: randomUUID(),
      subscriptionId: subscription.id,
      publisherId: subscription.publisherId,
      offerId: subscription.offerId,
      activityId: randomUUID(),
      action,
      status: 'NotStarted',
      planId: target.planId,
      quantity: target.quantity,
      source,
      timeStamp: this.now(),
      completesAt: undefined,
      errorMessage: undefined,
    };
  }

  /** Marks an operation Succeeded and applies it; a Partner operation's webhook goes out now. */
  private async complete(tx: MarketplaceStore, operation: OperationRecord): Promise<void> {
    const subscription = await tx.lockSubscription(operation.subscriptionId);
    if (!subscription) return;
    if (!canStart(operation.action, subscription.status)) {
      await this.fail(tx, operation, `The subscription became ${subscription.status} first`);
      return;
    }
    const done: OperationRecord = { ...operation, status: 'Succeeded', completesAt: undefined, timeStamp: this.now() };
    await tx.updateOperation(done);
    const changed = await this.apply(tx, subscription, done);
    if (operation.source === 'Partner') await this.queueWebhook(tx, done, changed);
  }

  private async fail(tx: MarketplaceStore, operation: OperationRecord, reason: string): Promise<void> {
    await tx.updateOperation({ ...operation, status: 'Failed', completesAt: undefined, errorMessage: reason, timeStamp: this.now() });
  }

  /** The subscription after a succeeded operation, written to the store. */
  private async apply(tx: MarketplaceStore, subscription: SubscriptionRecord, operation: OperationRecord): Promise<SubscriptionRecord> {
    const now = this.now();
    const next: SubscriptionRecord = { ...subscription, lastModified: now };
    switch (operation.action) {
      case 'ChangePlan':
      case 'ChangeQuantity':
        next.planId = operation.planId;
        next.quantity = operation.quantity;
        break;
      case 'Suspend':
        next.status = 'Suspended';
        next.suspendedAt = now;
        break;
      case 'Reinstate':
        next.status = 'Subscribed';
        next.suspendedAt = undefined;
        break;
      case 'Unsubscribe':
        next.status = 'Unsubscribed';
        next.autoRenew = false;
        break;
      case 'Renew': {
        const start = subscription.termEnd && subscription.termEnd <= now ? subscription.termEnd : now;
        next.termStart = start;
        next.termEnd = addDuration(new Date(start), termLength(subscription.termUnit)).toISOString();
        next.isFreeTrial = false;
        break;
      }
    }
    await tx.updateSubscription(next);
    if (next.status !== subscription.status) {
      // Suspended or cancelled: pending operations that cannot start from the new status never will.
      for (const other of await tx.listOperations(next.id, 'InProgress')) {
        if (other.id !== operation.id && !canStart(other.action, next.status)) await this.fail(tx, other, `Superseded by ${operation.action}`);
      }
    }
    return next;
  }

  /** Term end (renew, or end of trial, or cancel) and the end of the suspension grace period. */
  private async applyTimeRule(tx: MarketplaceStore, id: string): Promise<number> {
    const subscription = await tx.lockSubscription(id);
    if (!subscription) return 0;
    const now = this.now();
    let action: OperationAction | undefined;
    if (subscription.status === 'Subscribed' && subscription.termEnd !== undefined && subscription.termEnd <= now) {
      action = subscription.autoRenew ? 'Renew' : 'Unsubscribe';
    } else if (subscription.status === 'Suspended' && subscription.suspendedAt !== undefined) {
      const graceEnd = addDuration(new Date(subscription.suspendedAt), { ...ZERO, days: SUSPENSION_GRACE_DAYS }).toISOString();
      if (graceEnd <= now) action = 'Unsubscribe';
    }
    if (!action) return 0;
    const operation = this.newOperation(subscription, action, 'Azure', { planId: subscription.planId, quantity: subscription.quantity });
    operation.status = 'Succeeded';
    await tx.insertOperation(operation);
    await this.queueWebhook(tx, operation, await this.apply(tx, subscription, operation));
    return 1;
  }

  private async queueWebhook(tx: MarketplaceStore, operation: OperationRecord, subscription: SubscriptionRecord): Promise<void> {
    const payload = JSON.stringify(webhookPayload(operation, subscription));
    await tx.insertDelivery(this.newDelivery(operation.id, subscription.id, this.publisherOf(subscription), payload));
  }

  private newDelivery(operationId: string, subscriptionId: string, publisher: PublisherConfig, payload: string): DeliveryRecord {
    const now = this.now();
    return {
      id: randomUUID(),
      operationId,
      subscriptionId,
      publisherId: publisher.publisherId,
      url: this.endpoints.webhookUrl(publisher),
      payload,
      status: 'Pending',
      attempts: 0,
      nextAttemptAt: now,
      lastStatusCode: undefined,
      lastError: undefined,
      lastLatencyMs: undefined,
      created: now,
      finishedAt: undefined,
    };
  }

  /** Plan and seat changes succeed by themselves after the window; Reinstate only if so configured. */
  private completesOnItsOwn(action: OperationAction): boolean {
    return action === 'ChangePlan' || action === 'ChangeQuantity' || (action === 'Reinstate' && !this.settings.reinstateAwaitsPublisher);
  }

  private async ownSubscription(publisher: PublisherConfig, id: string, tx: MarketplaceStore = this.store): Promise<SubscriptionRecord> {
    const subscription = await this.requireSubscription(id, tx);
    if (subscription.publisherId !== publisher.publisherId) throw E.notYourSubscription(id);
    return subscription;
  }

  private async requireSubscription(id: string, tx: MarketplaceStore = this.store): Promise<SubscriptionRecord> {
    const subscription = tx === this.store ? await tx.getSubscription(id) : await tx.lockSubscription(id);
    if (!subscription) throw E.subscriptionNotFound(id);
    return subscription;
  }

  private publisherOf(subscription: SubscriptionRecord): PublisherConfig {
    const publisher = this.catalog.publisher(subscription.publisherId);
    if (!publisher) throw new ApiError(500, 'InternalError', `Publisher ${subscription.publisherId} is no longer in the catalog`);
    return publisher;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private later(ms: number): string {
    return new Date(this.clock.now().getTime() + ms).toISOString();
  }
}

const ZERO = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };

function termLength(unit: TermUnit) {
  return durationOf(unit);
}

/** The end of a term starting at `start`: a month for a free trial, else the term unit's length. */
function termEndFrom(start: string, subscription: SubscriptionRecord): string {
  return addDuration(new Date(start), subscription.isFreeTrial ? FREE_TRIAL : termLength(subscription.termUnit)).toISOString();
}

function purchaseQuantity(plan: PlanConfig, quantity: number | undefined): number | undefined {
  if (plan.pricing === 'flat') {
    if (quantity !== undefined) throw badRequest('BadArgument', `Plan '${plan.planId}' is not priced per seat; do not send quantity`, 'quantity');
    return undefined;
  }
  const { min, max } = seatLimits(plan);
  const seats = quantity ?? min;
  if (seats < min || seats > max) throw E.quantityOutOfRange(seats, min, max);
  return seats;
}

/** Seats kept across a plan change: none on a flat plan, clamped into the new plan's limits otherwise. */
function quantityOnPlan(plan: PlanConfig, current: number | undefined): number | undefined {
  if (plan.pricing === 'flat') return undefined;
  const { min, max } = seatLimits(plan);
  return Math.min(Math.max(current ?? min, min), max);
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

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
