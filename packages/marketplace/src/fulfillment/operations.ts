// The operation engine: every change to a subscription after its purchase is an operation. It checks
// the change against the lifecycle, records the operation, applies it when it succeeds, and queues the
// webhook that tells the publisher, all in one transaction; it also takes the publisher's
// acknowledgement and the outcome of each webhook delivery.
import { randomUUID } from 'node:crypto';
import { canStart, LIFECYCLE, type OperationAction, type OperationRequestSource, type UpdateOperation } from '@saas-fulfillment/contract';
import { isPlanVisibleTo, seatLimits, type PublisherConfig } from '../catalog.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { DeliveryRecord } from '../model/webhooks.js';
import type { OperationRecord, SubscriptionRecord } from '../model/subscriptions.js';
import type { MarketplaceStore } from '../store/repository.js';
import { webhookPayload } from '../model/wire.js';
import type { FulfillmentContext } from './context.js';
import { quantityOnPlan, termEnd } from './terms.js';
import type { CustomerActionRequest } from '../model/simulator.js';

/** What the customer (or their reseller, or Microsoft) does to a subscription in the portal. */
export type CustomerAction = CustomerActionRequest['action'];

interface ChangeRequest {
  action: OperationAction;
  planId?: string | undefined;
  quantity?: number | undefined;
}

export class OperationEngine {
  constructor(private readonly ctx: FulfillmentContext) {}

  /**
   * Starts an operation. From the publisher (`Partner`): it is InProgress until Microsoft carries it out
   * a moment later. From the customer (`Azure`): a change that waits on the publisher is InProgress and
   * its webhook goes out now; anything else has already happened and is announced.
   */
  async start(publisher: PublisherConfig | undefined, id: string, source: OperationRequestSource, request: ChangeRequest): Promise<OperationRecord> {
    const { ctx } = this;
    const { action } = request;
    const operation = await ctx.store.transaction(async (tx) => {
      const subscription = publisher ? await ctx.ownSubscription(publisher, id, tx) : await ctx.requireSubscription(id, tx);
      if (publisher) checkPublisherMayChange(subscription, action);
      if (!canStart(action, subscription.status)) {
        if (action === 'Unsubscribe') throw E.alreadyUnsubscribed(id);
        if (source === 'Partner') throw E.notActive(subscription.status);
        throw E.actionNotPossible(action, subscription.status);
      }
      if (LIFECYCLE[action].awaitsPublisher && (await tx.listOperations(id, 'InProgress')).length > 0) throw E.locked();
      const operation = this.newOperation(subscription, action, source, this.changeTarget(subscription, request));
      if (source === 'Partner') {
        // Microsoft takes a moment to carry out a publisher's request, then tells the webhook.
        operation.status = 'InProgress';
        operation.completesAt = ctx.later(ctx.settings.partnerOperationDelayMs);
        await tx.insertOperation(operation);
      } else if (LIFECYCLE[action].awaitsPublisher) {
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
    ctx.events.webhookQueued();
    return operation;
  }

  /** What the customer (or their reseller) does in the Azure portal / Microsoft 365 admin center. */
  customerAction(id: string, request: CustomerActionRequest): Promise<OperationRecord> {
    return this.start(undefined, id, 'Azure', request);
  }

  /**
   * A customer's action, and the seats it moves besides the plan: a plan sold from 10 seats takes a
   * subscription of 5 to 10, which the customer is told rather than finds out.
   */
  async customerActionWithSeats(
    id: string,
    request: CustomerActionRequest,
  ): Promise<{ operation: OperationRecord; seatsChanged?: { from: number; to: number } }> {
    const before = await this.ctx.store.getSubscription(id);
    const operation = await this.customerAction(id, request);
    const from = before?.quantity;
    const to = operation.quantity;
    return operation.action === 'ChangePlan' && from !== undefined && to !== undefined && from !== to
      ? { operation, seatsChanged: { from, to } }
      : { operation };
  }

  /** Something that has already happened (a renewal, the end of a grace period) applied and announced. */
  async applyNotice(tx: MarketplaceStore, subscription: SubscriptionRecord, action: OperationAction): Promise<void> {
    const operation = this.newOperation(subscription, action, 'Azure', { planId: subscription.planId, quantity: subscription.quantity });
    operation.status = 'Succeeded';
    await tx.insertOperation(operation);
    await this.queueWebhook(tx, operation, await this.apply(tx, subscription, operation));
  }

  /** Announces a subscription as it is now (an auto-activated purchase's `Subscribe`). */
  async announce(tx: MarketplaceStore, subscription: SubscriptionRecord, action: OperationAction): Promise<void> {
    const operation = {
      ...this.newOperation(subscription, action, 'Azure', { planId: subscription.planId, quantity: subscription.quantity }),
      status: 'Succeeded' as const,
    };
    await tx.insertOperation(operation);
    await this.queueWebhook(tx, operation, subscription);
  }

  /** The publisher's PATCH of an operation (O3): Success applies it, Failure leaves the subscription as it was. */
  async acknowledge(publisher: PublisherConfig, subscriptionId: string, operationId: string, body: UpdateOperation): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      await this.ctx.ownSubscription(publisher, subscriptionId, tx);
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

  /** Completes an operation whose time has come (the acknowledgement window, a publisher's change). */
  async completeDue(operationId: string): Promise<number> {
    return this.ctx.store.transaction(async (tx) => {
      const current = await lockedOperation(tx, operationId);
      if (current?.status !== 'InProgress') return 0;
      await this.complete(tx, current);
      return 1;
    });
  }

  /** Webhook outcome for an operation that waits on the publisher: delivered starts the window, refused fails it. */
  async webhookSettled(delivery: DeliveryRecord, outcome: 'Delivered' | 'Rejected' | 'Abandoned'): Promise<void> {
    const { ctx } = this;
    await ctx.store.transaction(async (tx) => {
      const operation = await lockedOperation(tx, delivery.operationId);
      if (operation?.status !== 'InProgress' || operation.source !== 'Azure') return;
      if (outcome === 'Delivered') {
        if (operation.completesAt !== undefined || !this.completesOnItsOwn(operation.action)) return;
        await tx.updateOperation({ ...operation, completesAt: ctx.later(ctx.settings.acknowledgeWindowMs) });
      } else if (outcome === 'Rejected') {
        await this.fail(tx, operation, `The publisher's webhook answered HTTP ${delivery.lastStatusCode ?? '4xx'}`);
      } else {
        await this.fail(tx, operation, 'The webhook was never accepted by the publisher');
      }
    });
  }

  /** Sends a past delivery's payload again, as a new delivery to the publisher's current webhook. */
  async redeliver(deliveryId: string): Promise<DeliveryRecord> {
    const { ctx } = this;
    const past = await ctx.store.getDelivery(deliveryId);
    if (!past) throw E.deliveryNotFound(deliveryId);
    const publisher = ctx.catalog.publisher(past.publisherId);
    if (!publisher) throw E.publisherGone(past.publisherId);
    const delivery = this.newDelivery(past.operationId, past.subscriptionId, publisher, past.payload);
    await ctx.store.insertDelivery(delivery);
    ctx.events.webhookQueued();
    return delivery;
  }

  /** Validates a plan or seat change and returns the plan and quantity the subscription would have after it. */
  changeTarget(subscription: SubscriptionRecord, request: ChangeRequest): { planId: string; quantity: number | undefined } {
    const { catalog } = this.ctx;
    if (request.action === 'ChangePlan') {
      if (request.planId === undefined) throw E.planIdRequired();
      const plan = catalog.plan(subscription.offerId, request.planId);
      if (!plan || plan.isStopSell || !isPlanVisibleTo(plan, subscription.beneficiary.tenantId)) throw E.planNotAvailable(request.planId);
      if (plan.planId === subscription.planId) throw E.samePlan(plan.planId);
      return { planId: plan.planId, quantity: quantityOnPlan(plan, subscription.quantity) };
    }
    if (request.action === 'ChangeQuantity') {
      if (request.quantity === undefined) throw E.quantityRequired();
      const plan = catalog.plan(subscription.offerId, subscription.planId);
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
      timeStamp: this.ctx.now(),
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
    const done: OperationRecord = { ...operation, status: 'Succeeded', completesAt: undefined, timeStamp: this.ctx.now() };
    await tx.updateOperation(done);
    const changed = await this.apply(tx, subscription, done);
    if (operation.source === 'Partner') await this.queueWebhook(tx, done, changed);
  }

  private async fail(tx: MarketplaceStore, operation: OperationRecord, reason: string): Promise<void> {
    await tx.updateOperation({ ...operation, status: 'Failed', completesAt: undefined, errorMessage: reason, timeStamp: this.ctx.now() });
  }

  /** The subscription after a succeeded operation, written to the store. */
  private async apply(tx: MarketplaceStore, subscription: SubscriptionRecord, operation: OperationRecord): Promise<SubscriptionRecord> {
    const now = this.ctx.now();
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
        next.termEnd = termEnd(start, subscription.termUnit);
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

  private async queueWebhook(tx: MarketplaceStore, operation: OperationRecord, subscription: SubscriptionRecord): Promise<void> {
    const payload = JSON.stringify(webhookPayload(operation, subscription));
    await tx.insertDelivery(this.newDelivery(operation.id, subscription.id, this.ctx.publisherOf(subscription), payload));
  }

  private newDelivery(operationId: string, subscriptionId: string, publisher: PublisherConfig, payload: string): DeliveryRecord {
    const now = this.ctx.now();
    return {
      id: randomUUID(),
      operationId,
      subscriptionId,
      publisherId: publisher.publisherId,
      url: this.ctx.endpoints.webhookUrl(publisher),
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
    return action === 'ChangePlan' || action === 'ChangeQuantity' || (action === 'Reinstate' && !this.ctx.settings.reinstateAwaitsPublisher);
  }
}

/** A publisher may change only what its customers may: not a reseller's customer's subscription. */
function checkPublisherMayChange(subscription: SubscriptionRecord, action: OperationAction): void {
  if (action === 'Unsubscribe' && !subscription.allowedCustomerOperations.includes('Delete')) throw E.operationNotAllowed('Delete');
  if (action !== 'Unsubscribe' && !subscription.allowedCustomerOperations.includes('Update')) throw E.operationNotAllowed('Update');
}

/**
 * An operation read under its subscription's row lock, the lock every writer of the subscription and its
 * operations takes first: read without it, the publisher's PATCH could land between the read and the
 * write, and the write would put the operation back InProgress (a lost update, seen on PostgreSQL).
 */
async function lockedOperation(tx: MarketplaceStore, operationId: string): Promise<OperationRecord | undefined> {
  const unlocked = await tx.getOperation(operationId);
  if (!unlocked) return undefined;
  await tx.lockSubscription(unlocked.subscriptionId);
  return tx.getOperation(operationId);
}
