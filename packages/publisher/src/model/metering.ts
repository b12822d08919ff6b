// The publisher's records of metered billing: an hour of usage and where it stands, how it is priced and
// what the marketplace said of it, what needs a person's attention, and a day reconciled with Microsoft's.
import { GetUsageEvent, type MeteringDimension, StringEnum, UsageBatchResult, UsageRecordResult } from '@saas-fulfillment/contract';
import Type from 'typebox';

/**
 * Where an hour of usage stands: `open` while records may still join it; once it is over it is priced
 * (`included` when the term's included quantity covers it, else `ready` to send), then `accepted` by the
 * marketplace (a duplicate answer counts: the hour was billed), `rejected` by a rule, or `expired`
 * because it was not sent within 24 hours.
 */
export const HOUR_STATUSES = ['open', 'included', 'ready', 'accepted', 'rejected', 'expired'] as const;
export const UsageHourStatus = StringEnum(HOUR_STATUSES);
export type UsageHourStatus = Type.Static<typeof UsageHourStatus>;

/** The usage of one subscription and dimension in one hour, and what became of it. */
export const UsageHour = Type.Object({
  id: Type.String(),
  subscriptionId: Type.String(),
  dimension: Type.String(),
  hour: Type.String(),
  quantity: Type.Number(),
  records: Type.Integer(),
  status: UsageHourStatus,
  planId: Type.Optional(Type.String()),
  termStart: Type.Optional(Type.String()),
  included: Type.Number(),
  billable: Type.Number(),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Optional(Type.String()),
  usageEventId: Type.Optional(Type.String()),
  marketplaceStatus: Type.Optional(Type.String()),
  acceptedQuantity: Type.Optional(Type.Number()),
  duplicate: Type.Boolean(),
  lastError: Type.Optional(Type.String()),
  sentAt: Type.Optional(Type.String()),
  updated: Type.String(),
});
export type UsageHour = Type.Static<typeof UsageHour>;

/** How an hour is priced: the plan and term it is billed under, and the split of its quantity, in micros. */
export interface HourPrice {
  id: string;
  planId: string;
  termStart: string;
  includedMicros: number;
  billableMicros: number;
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

/** An alert as the JSON API lists it: the hour's fields beside why it needs attention. */
export const MeteringAlertView = Type.Object({
  ...UsageHour.properties,
  kind: StringEnum(['at-risk', 'rejected', 'expired', 'mismatch']),
  /** When the hour can no longer be billed. */
  deadline: Type.String(),
});

/** One line of the reconciliation: our billed total of a subscription, dimension and day against Microsoft's. */
export const ReconciliationLine = Type.Object({
  day: Type.String(),
  subscriptionId: Type.String(),
  dimension: Type.String(),
  ours: Type.Number(),
  theirs: Type.Optional(GetUsageEvent),
});
export type ReconciliationLine = Type.Static<typeof ReconciliationLine>;

/** What one submission pass did: hours priced (and covered by the plan), sent, and what came of them. */
export const SubmissionReport = Type.Object({
  priced: Type.Integer(),
  included: Type.Integer(),
  sent: Type.Integer(),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  expired: Type.Integer(),
  failed: Type.Integer(),
});
export type SubmissionReport = Type.Static<typeof SubmissionReport>;

/** What became of usage records the application reported: shapes of the application contract. */
export { UsageBatchResult, UsageRecordResult };

/**
 * What a person reads beside usage rows: each subscription's name, and each dimension's name and unit as
 * the subscription's plan describes it (absent when Microsoft did not say: the page shows the ids).
 */
export interface UsageLabels {
  names: ReadonlyMap<string, string>;
  dimensions: ReadonlyMap<string, ReadonlyMap<string, MeteringDimension>>;
}
