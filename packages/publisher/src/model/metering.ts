// The publisher's records of metered billing: an hour of usage and where it stands, how it is priced and
// what the marketplace said of it, what needs a person's attention, and a day reconciled with Microsoft's.
import type { GetUsageEvent } from '@saas-fulfillment/contract';

/**
 * Where an hour of usage stands: `open` while records may still join it; once it is over it is priced
 * (`included` when the term's included quantity covers it, else `ready` to send), then `accepted` by the
 * marketplace (a duplicate answer counts: the hour was billed), `rejected` by a rule, or `expired`
 * because it was not sent within 24 hours.
 */
export type UsageHourStatus = 'open' | 'included' | 'ready' | 'accepted' | 'rejected' | 'expired';

export interface UsageHour {
  id: string;
  subscriptionId: string;
  dimension: string;
  hour: string;
  quantity: number;
  records: number;
  status: UsageHourStatus;
  planId: string | undefined;
  termStart: string | undefined;
  included: number;
  billable: number;
  attempts: number;
  nextAttemptAt: string | undefined;
  usageEventId: string | undefined;
  marketplaceStatus: string | undefined;
  acceptedQuantity: number | undefined;
  duplicate: boolean;
  lastError: string | undefined;
  sentAt: string | undefined;
  updated: string;
}

/** How an hour is priced: the plan and term it is billed under, and the split of its quantity. */
export interface HourPrice {
  id: string;
  planId: string;
  termStart: string;
  included: number;
  billable: number;
}

/** What the marketplace said about a sent hour, or why it stays to be sent again. */
export type HourOutcome =
  | { status: 'accepted'; usageEventId: string | undefined; acceptedQuantity: number; duplicate: boolean; marketplaceStatus: string; note?: string }
  | { status: 'rejected' | 'expired'; marketplaceStatus: string; error: string }
  | { status: 'ready'; error: string; retryAt: string };

/** An unsent hour this close to the end of its window is an alert (the default interval leaves it 70 more passes). */
export const AT_RISK_MS = 6 * 60 * 60_000;

/** The key of a subscription's dimension in one term: the included quantity is counted per key. */
export const termKey = (subscriptionId: string, dimension: string, termStart: string) => `${subscriptionId} ${dimension} ${termStart}`;

/** An hour that needs a person's attention, and why. */
export interface MeteringAlert {
  kind: 'at-risk' | 'rejected' | 'expired' | 'mismatch';
  hour: UsageHour;
  /** For an unsent hour: when it can no longer be billed. */
  deadline: string;
}

/** One line of the reconciliation: our billed total of a subscription, dimension and day against Microsoft's. */
export interface ReconciliationLine {
  day: string;
  subscriptionId: string;
  dimension: string;
  ours: number;
  theirs: GetUsageEvent | undefined;
}
