// The Marketplace Metering Service: usage events for a plan's custom dimensions, checked by every rule
// Microsoft documents (reference §8) and stored one per resource, dimension and hour; and the daily
// read-back of GET /usageEvents with its reconciliation status.
import { randomUUID } from 'node:crypto';
import { usageHour, USAGE_WINDOW_MS, type GetUsageEvent, type ReconStatus, type UsageEvent, type UsageEventStatus } from '@saas-fulfillment/contract';
import type { PublisherConfig } from '../catalog.js';
import type { FulfillmentContext } from '../fulfillment/context.js';
import type { DailyUsage, UsageEventRecord } from '../model/usage.js';
import { resourceUriOf } from '../model/wire.js';
import type { MarketplaceStore } from '../store/repository.js';
import type { UsageFilter } from '../store/usage.js';

/** What came of one event: accepted (a new record), a duplicate (the record accepted before), or refused. */
export type UsageOutcome =
  | { status: 'Accepted'; record: UsageEventRecord; resourceUri: string }
  | { status: 'Duplicate'; record: UsageEventRecord; resourceUri: string }
  | { status: Exclude<UsageEventStatus, 'Accepted' | 'Duplicate'>; message: string; target: string };

const DAY_MS = 24 * 60 * 60 * 1000;

export class Metering {
  constructor(private readonly ctx: FulfillmentContext) {}

  /** The marketplace's time, which the 24-hour window and the day's processing follow. */
  now(): Date {
    return this.ctx.clock.now();
  }

  /** Records one event (POST /usageEvent). */
  post(publisher: PublisherConfig, event: UsageEvent): Promise<UsageOutcome> {
    return this.ctx.store.transaction((tx) => this.record(tx, publisher, event));
  }

  /** Records each event of a batch in order, as one transaction (POST /batchUsageEvent). */
  postBatch(publisher: PublisherConfig, events: readonly UsageEvent[]): Promise<UsageOutcome[]> {
    return this.ctx.store.transaction(async (tx) => {
      const outcomes: UsageOutcome[] = [];
      for (const event of events) outcomes.push(await this.record(tx, publisher, event));
      return outcomes;
    });
  }

  private async record(tx: MarketplaceStore, publisher: PublisherConfig, event: UsageEvent): Promise<UsageOutcome> {
    const refused = await this.check(tx, publisher, event);
    if ('status' in refused) return refused;
    const now = this.ctx.now();
    const record: UsageEventRecord = {
      usageEventId: randomUUID(),
      publisherId: publisher.publisherId,
      resourceId: refused.subscriptionId,
      offerId: refused.offerId,
      planId: event.planId,
      dimension: event.dimension,
      hour: usageHour(event.effectiveStartTime),
      effectiveStartTime: new Date(event.effectiveStartTime).toISOString(),
      quantity: event.quantity,
      messageTime: now,
    };
    const { resourceUri } = refused;
    if (await tx.usage.accept(record)) return { status: 'Accepted', record, resourceUri };
    const accepted = await tx.usage.acceptedFor(record.resourceId, record.dimension, record.hour);
    if (!accepted) throw new Error(`usage for ${record.resourceId}/${record.dimension}/${record.hour} conflicted but is not stored`);
    return { status: 'Duplicate', record: accepted, resourceUri };
  }

  /** The first rule the event breaks, or the subscription it bills. */
  private async check(
    tx: MarketplaceStore,
    publisher: PublisherConfig,
    event: UsageEvent,
  ): Promise<Exclude<UsageOutcome, { record: UsageEventRecord }> | { subscriptionId: string; offerId: string; resourceUri: string }> {
    const refuse = (status: Exclude<UsageEventStatus, 'Accepted' | 'Duplicate'>, target: string, message: string) => ({ status, target, message });
    if (event.resourceUri !== undefined) {
      return refuse('BadArgument', 'resourceUri', 'resourceUri identifies a managed application; a SaaS subscription is billed by its resourceId');
    }
    if (event.resourceId === undefined) return refuse('BadArgument', 'resourceId', 'The resourceId is required.');
    const subscription = await tx.getSubscription(event.resourceId);
    if (!subscription) return refuse('ResourceNotFound', 'resourceId', `Subscription ${event.resourceId} was not found`);
    if (subscription.publisherId !== publisher.publisherId) {
      return refuse('ResourceNotAuthorized', 'resourceId', `Subscription ${event.resourceId} belongs to an offer not registered to the calling application`);
    }
    if (subscription.status !== 'Subscribed') {
      return refuse('ResourceNotActive', 'resourceId', `Subscription ${event.resourceId} is ${subscription.status}: only a Subscribed subscription is billed`);
    }
    if (event.planId !== subscription.planId) {
      return refuse('BadArgument', 'planId', `planId '${event.planId.slice(0, 80)}' is not the subscription's plan '${subscription.planId}'`);
    }
    const plan = this.ctx.catalog.plan(subscription.offerId, subscription.planId);
    if (!plan?.meteringDimensions?.some((d) => d.id === event.dimension)) {
      return refuse('InvalidDimension', 'dimension', `Dimension '${event.dimension.slice(0, 80)}' is not a metering dimension of plan ${subscription.planId}`);
    }
    if (!Number.isFinite(event.quantity) || event.quantity <= 0) return refuse('InvalidQuantity', 'quantity', 'quantity must be greater than 0');
    const effective = Date.parse(event.effectiveStartTime);
    const now = this.ctx.clock.now().getTime();
    if (effective > now) return refuse('BadArgument', 'effectiveStartTime', 'effectiveStartTime is in the future');
    if (effective < now - USAGE_WINDOW_MS) return refuse('Expired', 'effectiveStartTime', 'effectiveStartTime is more than 24 hours in the past');
    return { subscriptionId: subscription.id, offerId: subscription.offerId, resourceUri: resourceUriOf(subscription) };
  }

  /** GET /usageEvents: accepted usage per resource, dimension, plan and day, with its reconciliation status. */
  async list(
    publisher: PublisherConfig,
    filter: Omit<UsageFilter, 'publisherId'> & { reconStatus?: ReconStatus | undefined; azureSubscriptionId?: string | undefined },
  ): Promise<GetUsageEvent[]> {
    const days = await this.ctx.store.usage.daily({ ...filter, publisherId: publisher.publisherId });
    const today = usageHour(this.ctx.clock.now()).slice(0, 10);
    const azureSubscriptions = new Map<string, string>();
    for (const resourceId of new Set(days.map((usage) => usage.resourceId))) {
      const subscription = await this.ctx.store.getSubscription(resourceId);
      if (subscription) azureSubscriptions.set(resourceId, subscription.azureSubscriptionId);
    }
    const items = days.map((usage) => this.toWire(usage, today, azureSubscriptions.get(usage.resourceId)));
    return items.filter(
      (item) =>
        (filter.reconStatus === undefined || item.reconStatus === filter.reconStatus) &&
        (filter.azureSubscriptionId === undefined || item.azureSubscriptionId === filter.azureSubscriptionId.toLowerCase()),
    );
  }

  /**
   * A day's usage is processed once the day is over: until then it is Submitted (processed quantity 0),
   * afterwards Accepted with the quantity submitted, as Microsoft's daily processing reports it.
   */
  private toWire(usage: DailyUsage, today: string, azureSubscriptionId: string | undefined): GetUsageEvent {
    const processed = usage.day.slice(0, 10) < today;
    const offer = this.ctx.catalog.offer(usage.offerId);
    const plan = this.ctx.catalog.plan(usage.offerId, usage.planId);
    return {
      usageDate: usage.day,
      usageResourceId: usage.resourceId,
      dimension: usage.dimension,
      planId: usage.planId,
      planName: plan?.displayName ?? usage.planId,
      offerId: usage.offerId,
      offerName: offer?.offer.displayName ?? usage.offerId,
      offerType: 'SaaS',
      ...(azureSubscriptionId ? { azureSubscriptionId } : {}),
      reconStatus: processed ? 'Accepted' : 'Submitted',
      submittedQuantity: usage.quantity,
      processedQuantity: processed ? usage.quantity : 0,
      submittedCount: usage.events,
    };
  }
}

/** The default end of a usage query: the end of the marketplace's current day. */
export function endOfToday(now: Date): string {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS).toISOString();
}
