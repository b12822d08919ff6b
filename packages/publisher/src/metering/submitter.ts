// Billing closed hours: each pass prices the hours that are over (included quantity first, in order),
// expires what can no longer be sent, then leases due hours 25 at a time, sends them as one batch and
// records each answer. An hour's quantity is fixed once priced, so sending it again after a crash is an
// exact duplicate: the marketplace answers Duplicate with the event it accepted, which is recorded as
// billed. Nothing is billed twice, and nothing is dropped without being marked and counted.
import { randomUUID } from 'node:crypto';
import { backoffDelay, MAX_BATCH_EVENTS, usageHour, USAGE_WINDOW_MS, type Clock, type UsageEvent } from '@saas-fulfillment/contract';
import type { MarketplaceClient, UsageEventResult } from '@saas-fulfillment/client';
import type { PlanDirectory } from '../fulfillment/plans.js';
import type { UsageHour } from '../model/metering.js';
import type { PublisherStore } from '../store/repository.js';
import type { HourOutcome, HourPrice, SubmissionReport } from '../model/metering.js';
import { priceHours } from './pricing.js';

const PRICE_LIMIT = 50_000;
/** Failed sends retry from 30 s up to 15 min apart, always within the 24-hour window. */
const RETRY = { baseDelayMs: 30_000, maxDelayMs: 15 * 60_000 };
/** Statuses that say "not now" rather than "never": the hour is sent again. */
const TRANSIENT = new Set(['Error']);

export interface SubmitterEvents {
  /** Each hour settled, for metrics and logs. */
  settled(hour: UsageHour, outcome: HourOutcome): void;
  expired(hour: UsageHour): void;
}

export class UsageSubmitter {
  readonly owner = `submitter-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly store: PublisherStore,
    private readonly client: MarketplaceClient,
    private readonly plans: PlanDirectory,
    private readonly clock: Clock,
    private readonly events: SubmitterEvents,
    /** A sender holds the hours it sends this long; hours of a sender that died are taken back once it runs out. */
    private readonly leaseMs = 60_000,
  ) {}

  /** One full pass: price, expire, send; sends no further batch once `signal` is aborted. Safe to run in several processes at once. */
  async submit(signal?: AbortSignal): Promise<SubmissionReport> {
    const report: SubmissionReport = { priced: 0, included: 0, sent: 0, accepted: 0, duplicates: 0, rejected: 0, expired: 0, failed: 0 };
    const prices = await this.priceClosedHours();
    report.priced = prices.length;
    report.included = prices.filter((p) => p.billableMicros === 0).length;
    const now = this.clock.now();
    // The marketplace refuses an event whose effectiveStartTime (the hour's start) is over 24 hours old.
    const expired = await this.store.usage.expireBefore(new Date(now.getTime() - USAGE_WINDOW_MS).toISOString(), now.toISOString());
    for (const hour of expired) this.events.expired(hour);
    report.expired = expired.length;
    while (!signal?.aborted) {
      const batch = await this.claimBatch();
      if (batch.length === 0) break;
      await this.send(batch, report);
    }
    return report;
  }

  /** Prices every hour that is over; hours of subscriptions whose plan cannot be read now wait for the next pass. */
  private async priceClosedHours(): Promise<HourPrice[]> {
    const currentHour = usageHour(this.clock.now());
    const candidates = await this.store.usage.openHoursBefore(currentHour, PRICE_LIMIT);
    if (candidates.length === 0) return [];
    const subscriptions = await this.store.subscriptionsById([...new Set(candidates.map((h) => h.subscriptionId))]);
    const plans = new Map<string, Awaited<ReturnType<PlanDirectory['planOf']>>>();
    for (const subscription of subscriptions.values()) plans.set(subscription.id, await this.plans.planOf(subscription));
    return this.store.transaction(async (tx) => {
      await tx.usage.lockPricing();
      const hours = await tx.usage.openHoursBefore(currentHour, PRICE_LIMIT, true);
      const used = await tx.usage.includedUsed([...new Set(hours.map((h) => h.subscriptionId))]);
      const prices: HourPrice[] = [];
      for (const [subscriptionId, own] of groupBy(hours, (h) => h.subscriptionId)) {
        const subscription = subscriptions.get(subscriptionId);
        const plan = plans.get(subscriptionId);
        if (!subscription || !plan || !subscription.termStart || !subscription.termUnit) continue;
        const term = { start: subscription.termStart, end: subscription.termEnd, unit: subscription.termUnit };
        prices.push(...priceHours(own, plan, term, used));
      }
      await tx.usage.price(prices, this.clock.now().toISOString());
      return prices;
    });
  }

  /** Gives back the hours this sender holds unsettled (a pass cut short): the next pass sends them. */
  release(): Promise<void> {
    return this.store.usage.releaseLeases(this.owner, this.clock.now().toISOString());
  }

  private async claimBatch(): Promise<UsageHour[]> {
    const now = this.clock.now();
    return this.store.usage.claim(this.owner, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), MAX_BATCH_EVENTS);
  }

  private async send(hours: UsageHour[], report: SubmissionReport): Promise<void> {
    const events: UsageEvent[] = hours.map((h) => ({
      resourceId: h.subscriptionId,
      planId: h.planId ?? '',
      dimension: h.dimension,
      quantity: h.billable,
      effectiveStartTime: h.hour,
    }));
    report.sent += hours.length;
    let results: UsageEventResult[] | undefined;
    let failure = '';
    try {
      results = await this.client.postBatchUsageEvents(events);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const now = this.clock.now();
    for (const [i, hour] of hours.entries()) {
      const outcome = results ? outcomeOf(hour, results[i] as UsageEventResult, now) : retryLater(hour, failure, now);
      await this.store.usage.settle(hour.id, this.owner, outcome, now.toISOString());
      this.events.settled(hour, outcome);
      if (outcome.status === 'accepted') report[outcome.duplicate ? 'duplicates' : 'accepted']++;
      else if (outcome.status === 'ready') report.failed++;
      else report[outcome.status]++;
    }
  }
}

/** What an answer means for the hour. */
function outcomeOf(hour: UsageHour, result: UsageEventResult, now: Date): HourOutcome {
  if (result.status === 'Accepted' || result.status === 'Duplicate') {
    const duplicate = result.status === 'Duplicate';
    const acceptedQuantity = result.accepted?.quantity ?? hour.billable;
    const note =
      acceptedQuantity === hour.billable
        ? undefined
        : `the marketplace holds ${acceptedQuantity} for this hour; we priced ${hour.billable}: compare in Reconciliation`;
    return {
      status: 'accepted',
      usageEventId: result.accepted?.usageEventId,
      acceptedQuantity,
      duplicate,
      marketplaceStatus: result.status,
      ...(note ? { note } : {}),
    };
  }
  const message = `${result.status}: ${result.error?.message ?? 'refused'}`;
  if (result.status === 'Expired') return { status: 'expired', marketplaceStatus: result.status, error: message };
  if (TRANSIENT.has(result.status)) return retryLater(hour, message, now);
  return { status: 'rejected', marketplaceStatus: result.status, error: message };
}

function retryLater(hour: UsageHour, error: string, now: Date): HourOutcome {
  return { status: 'ready', error, retryAt: new Date(now.getTime() + backoffDelay(hour.attempts, RETRY)).toISOString() };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
