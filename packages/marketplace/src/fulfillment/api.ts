// The SaaS Fulfillment API v2 as the publisher's calls reach it (the routes under /api call this):
// resolve, read, list, plans, activate, change, cancel, and the operations with their acknowledgement.
import type { SaaSOperation, SubscriberPlan, UpdateOperation } from '@saas-fulfillment/contract';
import type { PlanConfig, PublisherConfig } from '../catalog.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { OperationRecord } from '../model/subscriptions.js';
import { operationToWire } from '../model/wire.js';
import type { FulfillmentContext } from './context.js';
import type { OperationEngine } from './operations.js';
import type { Purchases } from './purchases.js';
import { firstTermEnd } from './terms.js';

export class FulfillmentApi {
  constructor(
    private readonly ctx: FulfillmentContext,
    private readonly purchases: Purchases,
    private readonly operations: OperationEngine,
  ) {}

  /** The resolved subscription as the API returns it, serialized (ResolvedSubscription JSON). */
  resolveJson(publisher: PublisherConfig, token: string | undefined): Promise<string> {
    return this.purchases.resolveJson(publisher, token);
  }

  /** The subscription as the API returns it, serialized (Subscription JSON). */
  async getSubscriptionJson(publisher: PublisherConfig, id: string): Promise<string> {
    const found = await this.ctx.store.getSubscriptionDocument(id);
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
    const { store } = this.ctx;
    const page = await store.subscriptionPageJson({ publisherId: publisher.publisherId, afterId, limit: pageSize });
    return { json: page.json, nextAfter: page.nextAfter };
  }

  async availablePlans(publisher: PublisherConfig, id: string, planId?: string): Promise<PlanConfig[]> {
    const subscription = await this.ctx.ownSubscription(publisher, id);
    const plans = this.ctx.catalog
      .plansFor(subscription.offerId, subscription.beneficiary.tenantId)
      .filter((p) => !p.isStopSell || p.planId === subscription.planId);
    return planId === undefined ? plans : plans.filter((p) => p.planId === planId);
  }

  async activate(publisher: PublisherConfig, id: string, body: SubscriberPlan): Promise<void> {
    const { ctx } = this;
    await ctx.store.transaction(async (tx) => {
      const subscription = await ctx.ownSubscription(publisher, id, tx);
      if (subscription.status === 'Unsubscribed') throw E.unsubscribedCannotActivate(id);
      // Activating what the marketplace already activated (an auto-activated plan) changes nothing.
      const alreadyActive = subscription.status === 'Subscribed' && (await tx.listOperations(id)).some((o) => o.action === 'Subscribe');
      if (subscription.status !== 'PendingFulfillmentStart' && !alreadyActive) throw E.notPending(subscription.status);
      if (body.planId === undefined) throw E.planIdRequired();
      if (body.planId !== subscription.planId) throw E.planMismatch(body.planId, subscription.planId);
      if (body.quantity !== undefined && body.quantity !== subscription.quantity) throw E.quantityMismatch(body.quantity, subscription.quantity);
      if (alreadyActive) return;
      const now = ctx.now();
      await tx.updateSubscription({ ...subscription, status: 'Subscribed', termStart: now, termEnd: firstTermEnd(now, subscription), lastModified: now });
    });
  }

  /** Publisher PATCH: a plan or seat change, completed by Microsoft after a short delay. */
  async requestChange(publisher: PublisherConfig, id: string, body: SubscriberPlan): Promise<OperationRecord> {
    if (body.planId !== undefined && body.quantity !== undefined) throw E.patchBoth();
    if (body.planId === undefined && body.quantity === undefined) throw E.patchNothing();
    return this.operations.start(publisher, id, 'Partner', { action: body.planId !== undefined ? 'ChangePlan' : 'ChangeQuantity', ...body });
  }

  /** Publisher DELETE: cancel the subscription. */
  requestUnsubscribe(publisher: PublisherConfig, id: string): Promise<OperationRecord> {
    return this.operations.start(publisher, id, 'Partner', { action: 'Unsubscribe' });
  }

  /** Operations still waiting on the publisher (O1). */
  async outstandingOperations(publisher: PublisherConfig, id: string): Promise<SaaSOperation[]> {
    await this.ctx.ownSubscription(publisher, id);
    return (await this.ctx.store.listOperations(id, 'InProgress')).map(operationToWire);
  }

  async getOperation(publisher: PublisherConfig, subscriptionId: string, operationId: string): Promise<SaaSOperation> {
    await this.ctx.ownSubscription(publisher, subscriptionId);
    const operation = await this.ctx.store.getOperation(operationId);
    if (!operation || operation.subscriptionId !== subscriptionId) throw E.operationNotFound(operationId);
    return operationToWire(operation);
  }

  /** The publisher's PATCH of an operation (O3). */
  acknowledge(publisher: PublisherConfig, subscriptionId: string, operationId: string, body: UpdateOperation): Promise<void> {
    return this.operations.acknowledge(publisher, subscriptionId, operationId, body);
  }
}
