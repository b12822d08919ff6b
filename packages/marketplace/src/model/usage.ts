// The emulator's records of metered usage: each event the metering service accepted, and a day's usage as
// the read-back API reports it.

/** A usage event the metering service accepted: the one for its resource, dimension and hour. */
export interface UsageEventRecord {
  usageEventId: string;
  publisherId: string;
  resourceId: string;
  offerId: string;
  planId: string;
  dimension: string;
  /** The calendar hour (UTC) the event bills. */
  hour: string;
  effectiveStartTime: string;
  quantity: number;
  messageTime: string;
}

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
