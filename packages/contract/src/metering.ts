// Wire shapes of the Marketplace Metering Service API (usage events for custom dimensions), as JSON
// Schema (TypeBox). Like the fulfillment shapes, none forbids extra properties: readers keep what they
// do not know.
import Type from 'typebox';
import { DateTime, StringEnum, Uuid } from './schemas.js';

/** Usage quantities may have decimals. */
const Quantity = Type.Number({ format: 'double' });

export const USAGE_EVENT_STATUSES = [
  'Accepted',
  'Expired',
  'Duplicate',
  'Error',
  'ResourceNotFound',
  'ResourceNotAuthorized',
  'ResourceNotActive',
  'InvalidDimension',
  'InvalidQuantity',
  'BadArgument',
] as const;
export const UsageEventStatus = StringEnum(USAGE_EVENT_STATUSES);
export type UsageEventStatus = (typeof USAGE_EVENT_STATUSES)[number];

/** Submitted, Accepted, Rejected, Mismatch are the spec's; TestHeaders and DryRun appear only in the docs. */
export const RECON_STATUSES = ['Submitted', 'Accepted', 'Rejected', 'Mismatch', 'TestHeaders', 'DryRun'] as const;
export const ReconStatus = StringEnum(RECON_STATUSES);
export type ReconStatus = (typeof RECON_STATUSES)[number];

export const UsageEvent = Type.Object({
  /** The SaaS subscription id (for managed applications, the resourceUsageId). */
  resourceId: Type.Optional(Uuid),
  /** Managed applications only; never sent together with resourceId. */
  resourceUri: Type.Optional(Type.String()),
  quantity: Quantity,
  dimension: Type.String(),
  effectiveStartTime: DateTime,
  planId: Type.String(),
});
export type UsageEvent = Type.Static<typeof UsageEvent>;

export const BatchUsageEvent = Type.Object({ request: Type.Array(UsageEvent, { minItems: 1, maxItems: 25 }) });
export type BatchUsageEvent = Type.Static<typeof BatchUsageEvent>;

/** What the service answers about one event it took in (alone, or as an item of a batch). */
const usageEventResult = {
  usageEventId: Type.Optional(Uuid),
  status: UsageEventStatus,
  messageTime: DateTime,
  ...UsageEvent.properties,
};

export const UsageEventOkResponse = Type.Object(usageEventResult);
export type UsageEventOkResponse = Type.Static<typeof UsageEventOkResponse>;

/** 409: the hour was already billed; the accepted event comes back in `additionalInfo.acceptedMessage`. */
export const UsageEventConflictResponse = Type.Object({
  code: Type.String(),
  message: Type.String(),
  additionalInfo: Type.Optional(Type.Object({ acceptedMessage: Type.Optional(UsageEventOkResponse) })),
});
export type UsageEventConflictResponse = Type.Static<typeof UsageEventConflictResponse>;

export const UsageEventBadRequestResponseDetail = Type.Object({
  code: Type.String(),
  message: Type.String(),
  target: Type.Optional(Type.String()),
});

export const UsageEventBadRequestResponse = Type.Object({
  code: Type.String(),
  message: Type.String(),
  target: Type.Optional(Type.String()),
  details: Type.Optional(Type.Array(UsageEventBadRequestResponseDetail)),
});
export type UsageEventBadRequestResponse = Type.Static<typeof UsageEventBadRequestResponse>;

/** One item of a batch answer: the event's outcome, and for a refused one the reason. */
export const UsageBatchEventOkMessage = Type.Object({ ...usageEventResult, error: Type.Optional(UsageEventConflictResponse) });
export type UsageBatchEventOkMessage = Type.Static<typeof UsageBatchEventOkMessage>;

export const BatchUsageEventOkResponse = Type.Object({
  count: Type.Integer(),
  result: Type.Array(UsageBatchEventOkMessage),
});
export type BatchUsageEventOkResponse = Type.Static<typeof BatchUsageEventOkResponse>;

export const GetUsageEvent = Type.Object({
  usageDate: DateTime,
  usageResourceId: Uuid,
  dimension: Type.String(),
  planId: Type.String(),
  planName: Type.String(),
  offerId: Type.String(),
  offerName: Type.String(),
  offerType: Type.String(),
  azureSubscriptionId: Type.Optional(Uuid),
  reconStatus: ReconStatus,
  submittedQuantity: Quantity,
  processedQuantity: Quantity,
  submittedCount: Quantity,
});
export type GetUsageEvent = Type.Static<typeof GetUsageEvent>;

/** GET /usageEvents answers a bare array. */
export const GetUsageEventOkResponse = Type.Array(GetUsageEvent);
export type GetUsageEventOkResponse = Type.Static<typeof GetUsageEventOkResponse>;

/** A batch carries 1 to 25 events. */
export const MAX_BATCH_EVENTS = 25;
/** An event may be sent until 24 hours after its effectiveStartTime. */
export const USAGE_WINDOW_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** The calendar hour (UTC) an instant falls in, as the ISO 8601 instant it starts at: the key of the one-event-per-hour rule. */
export function usageHour(at: Date | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString();
}

/** The hour after `hour` (an hour key). */
export function nextUsageHour(hour: string): string {
  return new Date(Date.parse(hour) + HOUR_MS).toISOString();
}
