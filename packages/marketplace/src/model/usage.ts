// The emulator's records of metered usage: each event the metering service accepted, and a day's usage as
// the read-back API reports it.
import Type from 'typebox';

/** A usage event the metering service accepted: the one for its resource, dimension and hour. */
export const UsageEventRecord = Type.Object({
  usageEventId: Type.String(),
  publisherId: Type.String(),
  resourceId: Type.String(),
  offerId: Type.String(),
  planId: Type.String(),
  dimension: Type.String(),
  /** The calendar hour (UTC) the event bills. */
  hour: Type.String(),
  effectiveStartTime: Type.String(),
  quantity: Type.Number(),
  messageTime: Type.String(),
});
export type UsageEventRecord = Type.Static<typeof UsageEventRecord>;

/** Accepted usage of one resource, dimension and plan on one day, as GET /usageEvents reports it. */
export interface DailyUsage {
  day: string;
  resourceId: string;
  offerId: string;
  planId: string;
  dimension: string;
  quantity: number;
  events: number;
  lastMessageTime: string;
}
