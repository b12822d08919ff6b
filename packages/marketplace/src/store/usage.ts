// The metering service's accepted usage events. The unique key (resource, dimension, hour) is the
// duplicate rule itself, so two racing requests for one hour cannot both be accepted.
import { sql, type Kysely } from 'kysely';
import type { DailyUsage, UsageEventRecord } from '../model/usage.js';
import type { MarketplaceTables, UsageEventRow } from './schema.js';

export interface UsageFilter {
  publisherId: string;
  from: string;
  to: string;
  offerId?: string | undefined;
  planId?: string | undefined;
  dimension?: string | undefined;
}

export class UsageEvents {
  constructor(private readonly db: Kysely<MarketplaceTables>) {}

  /** Stores the event unless its hour already has one; true when this one was stored. */
  async accept(event: UsageEventRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto('mp_usage_events')
      .values(usageToRow(event))
      .onConflict((oc) => oc.columns(['resource_id', 'dimension', 'hour']).doNothing())
      .returning('usage_event_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async acceptedFor(resourceId: string, dimension: string, hour: string): Promise<UsageEventRecord | undefined> {
    const row = await this.db
      .selectFrom('mp_usage_events')
      .selectAll()
      .where('resource_id', '=', resourceId)
      .where('dimension', '=', dimension)
      .where('hour', '=', hour)
      .executeTakeFirst();
    return row && rowToUsage(row);
  }

  /** A subscription's events, newest hour first (the simulator's page). */
  async of(resourceId: string, limit: number): Promise<UsageEventRecord[]> {
    const rows = await this.db.selectFrom('mp_usage_events').selectAll().where('resource_id', '=', resourceId).orderBy('hour', 'desc').limit(limit).execute();
    return rows.map(rowToUsage);
  }

  /** Accepted usage per resource, dimension, plan and day whose hours fall in [from, to). */
  async daily(filter: UsageFilter): Promise<DailyUsage[]> {
    const day = sql<string>`substr(hour, 1, 10)`;
    let query = this.db
      .selectFrom('mp_usage_events')
      .select((eb) => [
        day.as('day'),
        'resource_id',
        'offer_id',
        'plan_id',
        'dimension',
        eb.fn.sum<number | string>('quantity').as('quantity'),
        eb.fn.countAll<number | string>().as('events'),
        eb.fn.max('message_time').as('last_message_time'),
      ])
      .where('publisher_id', '=', filter.publisherId)
      .where('hour', '>=', filter.from)
      .where('hour', '<', filter.to)
      .groupBy([day, 'resource_id', 'offer_id', 'plan_id', 'dimension'])
      .orderBy(day)
      .orderBy('resource_id')
      .orderBy('dimension');
    if (filter.offerId !== undefined) query = query.where('offer_id', '=', filter.offerId);
    if (filter.planId !== undefined) query = query.where('plan_id', '=', filter.planId);
    if (filter.dimension !== undefined) query = query.where('dimension', '=', filter.dimension);
    return (await query.execute()).map((r) => ({
      day: `${r.day}T00:00:00Z`,
      resourceId: r.resource_id,
      offerId: r.offer_id,
      planId: r.plan_id,
      dimension: r.dimension,
      quantity: Number(r.quantity),
      events: Number(r.events),
      lastMessageTime: r.last_message_time,
    }));
  }
}

export function usageToRow(e: UsageEventRecord): UsageEventRow {
  return {
    usage_event_id: e.usageEventId,
    publisher_id: e.publisherId,
    resource_id: e.resourceId,
    offer_id: e.offerId,
    plan_id: e.planId,
    dimension: e.dimension,
    hour: e.hour,
    effective_start_time: e.effectiveStartTime,
    quantity: e.quantity,
    message_time: e.messageTime,
  };
}

export function rowToUsage(r: UsageEventRow): UsageEventRecord {
  return {
    usageEventId: r.usage_event_id,
    publisherId: r.publisher_id,
    resourceId: r.resource_id,
    offerId: r.offer_id,
    planId: r.plan_id,
    dimension: r.dimension,
    hour: r.hour,
    effectiveStartTime: r.effective_start_time,
    quantity: Number(r.quantity),
    messageTime: r.message_time,
  };
}
