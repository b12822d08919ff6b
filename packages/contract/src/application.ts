// The shapes between the publisher and the vendor's own application: an entitlement, a usage record and
// what became of it, and the signed event sent on every subscription change. The publisher answers and
// sends these; the OpenAPI document and @saas-fulfillment/app are made from the same schemas.
import Type, { type TSchema } from 'typebox';
import { MAX_QUANTITY } from './quantity.js';
import { StringEnum } from './schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** What a subscription entitles its customer to, as the application asks before letting anyone in. */
export const Entitlement = Type.Object({
  subscriptionId: Type.String(),
  offerId: Type.String(),
  planId: Type.String(),
  quantity: Nullable(Type.Integer()),
  status: Type.String(),
  /** `full` while Subscribed; `limited` while Suspended (read-only, data kept); `none` otherwise. */
  access: StringEnum(['full', 'limited', 'none']),
  beneficiaryTenantId: Nullable(Type.String()),
  /** For an Unsubscribed subscription: until when its data must be kept. */
  dataRetainedUntil: Nullable(Type.String()),
});
export type Entitlement = Type.Static<typeof Entitlement>;

/** The most records one POST /api/usage takes. */
export const MAX_USAGE_RECORDS = 1000;

/** Usage the application reports: units of a dimension at an instant, with its own key against repeats. */
export const UsageRecord = Type.Object({
  subscriptionId: Type.String({ minLength: 1, maxLength: 100 }),
  dimension: Type.String({ minLength: 1, maxLength: 100 }),
  /** Units, with at most six decimals; one hour of one dimension may total at most 999999999.999999. */
  quantity: Type.Number({ exclusiveMinimum: 0, maximum: MAX_QUANTITY }),
  timestamp: Type.String({ format: 'date-time', maxLength: 40 }),
  idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type UsageRecord = Type.Static<typeof UsageRecord>;

/** What became of one record: accepted (with the hour it is billed in), a duplicate of one already kept, or refused. */
export const UsageRecordResult = Type.Object({
  /** Its place in the array sent (0 for a single record). */
  index: Type.Integer(),
  status: StringEnum(['accepted', 'duplicate', 'refused']),
  /** Accepted: the record's id, and the hour it is billed in. */
  id: Type.Optional(Type.String()),
  billingHour: Type.Optional(Type.String()),
  /** Refused: why, naming the field. */
  error: Type.Optional(Type.Object({ code: Type.String(), field: Type.String(), message: Type.String() })),
});
export type UsageRecordResult = Type.Static<typeof UsageRecordResult>;

/** The answer to an array of records: counts, and each record's result in order. */
export const UsageBatchResult = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  refused: Type.Integer(),
  results: Type.Array(UsageRecordResult),
});
export type UsageBatchResult = Type.Static<typeof UsageBatchResult>;

/** What happened, most specific first: a status change has its own name, then plan, seats, renewal. */
export const EVENT_TYPES = [
  'subscription.created',
  'subscription.activated',
  'subscription.suspended',
  'subscription.reinstated',
  'subscription.unsubscribed',
  'subscription.subscribed',
  'subscription.pendingfulfillmentstart',
  'subscription.plan_changed',
  'subscription.quantity_changed',
  'subscription.renewed',
  'subscription.updated',
] as const;
export const EventType = StringEnum(EVENT_TYPES);
export type EventType = Type.Static<typeof EventType>;

/** A subscription changed: its state after the change (Standard Webhooks headers carry id, time and signature). */
export const SubscriptionEvent = Type.Object(
  {
    type: EventType,
    /** When the publisher recorded the change (its own clock). */
    timestamp: Type.String({ format: 'date-time' }),
    data: Type.Object({
      subscriptionId: Type.String(),
      offerId: Type.String(),
      planId: Type.String(),
      /** Seats, for a plan priced per seat. */
      quantity: Nullable(Type.Integer()),
      /** PendingFulfillmentStart, Subscribed, Suspended or Unsubscribed; a value Microsoft adds later is passed on as sent. */
      status: Type.String(),
      beneficiaryTenantId: Nullable(Type.String()),
      /** What caused it, as the subscription's timeline says: a webhook and its operation, reconciliation, the landing page. */
      cause: Type.String(),
    }),
  },
  { description: 'A subscription changed: its state after the change.' },
);
export type SubscriptionEvent = Type.Static<typeof SubscriptionEvent>;
