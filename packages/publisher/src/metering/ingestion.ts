// Taking in usage from the vendor's application: each record checked (a subscription it may report for,
// Subscribed, a dimension its plan meters, a positive quantity, a time inside the 24-hour window), then
// every accepted one stored with its hour's total in one transaction before the answer, so what was
// accepted is never lost; a record whose idempotency key was seen before is a duplicate, stored once.
import { randomUUID } from 'node:crypto';
import {
  guidKey,
  MAX_QUANTITY,
  MAX_USAGE_RECORDS,
  parseInstant,
  QUANTITY_DECIMALS,
  toMicros,
  usageHour,
  USAGE_WINDOW_MS,
  validate,
  UsageRecord,
  type Clock,
} from '@saas-fulfillment/contract';
import type { PlanDirectory } from '../fulfillment/plans.js';
import type { LocalSubscription } from '../model/subscription.js';
import type { PublisherStore } from '../store/repository.js';
import type { NewUsageRecord } from '../store/usage-recording.js';
import { metersDimension } from './pricing.js';

export const MAX_RECORDS = MAX_USAGE_RECORDS;
/** A record may be stamped this far ahead of our clock (clock skew between hosts), no further. */
const SKEW_MS = 5 * 60_000;
/**
 * A sender whose clock (its Sent-At) differs from ours by more than this has its records' times moved by
 * the difference: a product on real time beside a moved marketplace clock, or a host whose clock drifted.
 * Within it, times are taken as stamped, so a record is never moved to a neighbouring hour by the network.
 */
const CLOCK_DIFFERENCE_MS = 2_000;

export { UsageRecord };

/** Who is reporting: the application (any subscription) or one customer tenant's key (its subscriptions only). */
export type UsageReporter = { kind: 'app' } | { kind: 'tenant'; tenantId: string };

export type RecordOutcome =
  | { index: number; status: 'accepted'; id: string; billingHour: string }
  | { index: number; status: 'duplicate' }
  | { index: number; status: 'refused'; error: RecordError };

export interface RecordError {
  /** 400 bad value, 404 unknown subscription, 409 subscription not active, 503 plan unknown for now. */
  httpStatus: 400 | 404 | 409 | 503;
  code: string;
  field: string;
  message: string;
}

export class UsageIngestion {
  constructor(
    private readonly store: PublisherStore,
    private readonly plans: PlanDirectory,
    private readonly clock: Clock,
  ) {}

  /** `sentAt`: the sender's clock when it sent the records, to read their times on ours (see CLOCK_DIFFERENCE_MS). */
  async ingest(input: readonly unknown[], reporter: UsageReporter, sentAt?: Date): Promise<RecordOutcome[]> {
    const now = this.clock.now();
    const difference = sentAt ? now.getTime() - sentAt.getTime() : 0;
    const shiftMs = Math.abs(difference) > CLOCK_DIFFERENCE_MS ? difference : 0;
    const subscriptions = await this.subscriptionsOf(input);
    const outcomes: RecordOutcome[] = [];
    const accepted: NewUsageRecord[] = [];
    /** Each idempotency key of the batch, and the id of its first record: a copy shares its fate. */
    const firstOf = new Map<string, string>();
    const copies = new Map<number, string>();
    for (const [index, value] of input.entries()) {
      const checked = await this.check(value, reporter, subscriptions, now, shiftMs);
      if ('error' in checked) {
        outcomes.push({ index, status: 'refused', error: checked.error });
        continue;
      }
      const { record, micros, at } = checked;
      const key = record.idempotencyKey && `${record.subscriptionId} ${record.idempotencyKey}`;
      const first = key ? firstOf.get(key) : undefined;
      if (first) {
        copies.set(index, first);
        outcomes.push({ index, status: 'duplicate' });
        continue;
      }
      const id = randomUUID();
      if (key) firstOf.set(key, id);
      accepted.push({
        id,
        subscription_id: record.subscriptionId,
        dimension: record.dimension,
        quantity_micros: micros,
        occurred_at: new Date(at).toISOString(),
        idempotency_key: record.idempotencyKey ?? null,
        received_at: now.toISOString(),
        source: reporter.kind === 'app' ? 'app' : `tenant:${reporter.tenantId}`,
      });
      outcomes.push({ index, status: 'accepted', id, billingHour: '' });
    }
    const { stored, overLimit } = await this.store.transaction((tx) => tx.usage.record(accepted, usageHour(now), now.toISOString(), usageHour));
    return outcomes.map((outcome) => {
      const recordOf = outcome.status === 'accepted' ? outcome.id : copies.get(outcome.index);
      if (recordOf !== undefined && overLimit.has(recordOf)) return { index: outcome.index, status: 'refused', error: HOUR_FULL };
      if (outcome.status !== 'accepted') return outcome;
      const hour = stored.get(outcome.id);
      return hour === undefined ? { index: outcome.index, status: 'duplicate' } : { ...outcome, billingHour: hour };
    });
  }

  private async subscriptionsOf(input: readonly unknown[]): Promise<Map<string, LocalSubscription>> {
    const ids = new Set<string>();
    for (const value of input) {
      const id = (value as { subscriptionId?: unknown } | null)?.subscriptionId;
      if (typeof id === 'string' && id.length <= 100) ids.add(guidKey(id));
    }
    return this.store.subscriptionsById([...ids]);
  }

  private async check(
    value: unknown,
    reporter: UsageReporter,
    subscriptions: Map<string, LocalSubscription>,
    now: Date,
    shiftMs: number,
  ): Promise<{ record: UsageRecord; micros: number; at: number } | { error: RecordError }> {
    const refuse = (httpStatus: RecordError['httpStatus'], code: string, field: string, message: string) => ({ error: { httpStatus, code, field, message } });
    const [first] = validate(UsageRecord, value);
    if (first) {
      return refuse(400, 'BadArgument', first.field || 'record', `${first.field || 'the record'} ${first.message}`);
    }
    // The application may write the subscription's GUID in upper case: it names the same subscription.
    const record = { ...(value as UsageRecord), subscriptionId: guidKey((value as UsageRecord).subscriptionId) };
    const micros = toMicros(record.quantity);
    if (micros === undefined) return refuse(400, 'BadArgument', 'quantity', `quantity may have at most ${QUANTITY_DECIMALS} decimal places`);
    const subscription = subscriptions.get(record.subscriptionId);
    if (!subscription || (reporter.kind === 'tenant' && guidKey(subscription.beneficiary.tenantId ?? '') !== guidKey(reporter.tenantId))) {
      return refuse(404, 'SubscriptionNotFound', 'subscriptionId', `No subscription ${record.subscriptionId} to report usage for`);
    }
    if (subscription.status !== 'Subscribed') {
      return refuse(
        409,
        'SubscriptionNotActive',
        'subscriptionId',
        `Subscription ${record.subscriptionId} is ${subscription.status}; usage is billed only while Subscribed`,
      );
    }
    const plan = await this.plans.planOf(subscription);
    if (!plan)
      return refuse(503, 'PlanUnavailable', 'dimension', `The marketplace did not say what plan ${subscription.planId} meters; send the record again shortly`);
    if (!metersDimension(plan, record.dimension)) {
      return refuse(400, 'UnknownDimension', 'dimension', `Plan ${subscription.planId} does not meter '${record.dimension}'`);
    }
    const stamped = parseInstant(record.timestamp)?.getTime();
    if (stamped === undefined) return refuse(400, 'BadArgument', 'timestamp', 'timestamp must be a real instant, such as 2026-12-05T10:00:00Z');
    const at = stamped + shiftMs;
    const read = shiftMs ? ` (read as ${new Date(at).toISOString()} on the publisher's clock)` : '';
    if (at > now.getTime() + SKEW_MS)
      return refuse(400, 'TimestampInFuture', 'timestamp', `timestamp ${record.timestamp}${read} is after the publisher's now, ${now.toISOString()}`);
    if (Date.parse(usageHour(new Date(at))) + USAGE_WINDOW_MS <= now.getTime()) {
      return refuse(
        400,
        'TimestampTooOld',
        'timestamp',
        `timestamp ${record.timestamp}${read} is outside the 24-hour window in which the marketplace accepts usage (the publisher's now: ${now.toISOString()})`,
      );
    }
    return { record, micros, at };
  }
}

/** The record would take its hour's total past what one usage event can carry exactly. */
const HOUR_FULL: RecordError = {
  httpStatus: 400,
  code: 'HourTotalTooLarge',
  field: 'quantity',
  message: `this record would take its hour's total for the dimension past ${MAX_QUANTITY}, the most one usage event carries exactly; it was not recorded`,
};
