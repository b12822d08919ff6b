// The metering tables: usage records as reported and, per subscription, dimension and hour, the running
// total and what became of it. Each method is one step of the pipeline and runs on whatever connection
// the store is bound to, so a step and the state it depends on commit together.
import { sql, type Kysely, type Selectable } from 'kysely';
import { fromMicros, nearestMicros } from '@saas-fulfillment/contract';
import { fromColumn, fromFlag, toFlag, type DialectName } from '@saas-fulfillment/store';
import type { HourOutcome, HourPrice, UsageHour, UsageHourStatus } from '../model/metering.js';
import { termKey } from '../model/metering.js';
import type { PubUsageHourRow, PubUsageRecordRow, PublisherTables } from './schema.js';
import { type NewUsageRecord, type RecordedUsage, UsageRecording } from './usage-recording.js';

const INSERT_CHUNK = 500;
const UNSENT: UsageHourStatus[] = ['open', 'ready'];

export class UsageLedger {
  constructor(
    private readonly db: Kysely<PublisherTables>,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Stores new records (a record whose idempotency key its subscription already used is skipped) and adds
   * them to their hours' totals, exactly, in micros. A record whose hour was already priced joins
   * `currentHour` instead, so it is billed once, late, rather than never. A record that would take its
   * hour past MAX_QUANTITY_MICROS is not stored (`overLimit`): the hour could not be billed as one event.
   * Run it in a transaction: records and totals must land together.
   */
  record(records: readonly NewUsageRecord[], currentHour: string, now: string, hourOf: (at: string) => string): Promise<RecordedUsage> {
    return new UsageRecording(this.db, this.dialect).record(records, currentHour, now, hourOf);
  }

  /** Hours still open that ended before `hour`, oldest first; locked in a transaction on PostgreSQL. */
  async openHoursBefore(hour: string, limit: number, lock = false): Promise<UsageHour[]> {
    const query = this.db
      .selectFrom('pub_usage_hours')
      .selectAll()
      .where('status', '=', 'open')
      .where('hour', '<', hour)
      .orderBy('subscription_id')
      .orderBy('dimension')
      .orderBy('hour')
      .limit(limit);
    return (await (lock && this.dialect === 'postgres' ? query.forUpdate() : query).execute()).map(rowToHour);
  }

  /** One pricing pass at a time across processes: the included quantities of a term must be consumed in order. */
  async lockPricing(): Promise<void> {
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(727001)`.execute(this.db);
  }

  /** Included quantity (micros) already used per subscription, dimension and term, by hours priced before. */
  async includedUsed(subscriptionIds: readonly string[]): Promise<Map<string, number>> {
    const used = new Map<string, number>();
    for (let start = 0; start < subscriptionIds.length; start += INSERT_CHUNK) {
      const rows = await this.db
        .selectFrom('pub_usage_hours')
        .select((eb) => ['subscription_id', 'dimension', 'term_start', eb.fn.sum<number | string>('included_micros').as('used')])
        .where('subscription_id', 'in', subscriptionIds.slice(start, start + INSERT_CHUNK))
        .where('status', '<>', 'open')
        .groupBy(['subscription_id', 'dimension', 'term_start'])
        .execute();
      for (const row of rows) used.set(termKey(row.subscription_id, row.dimension, row.term_start ?? ''), Number(row.used));
    }
    return used;
  }

  async price(prices: readonly HourPrice[], now: string): Promise<void> {
    for (const p of prices) {
      await this.db
        .updateTable('pub_usage_hours')
        .set({
          status: p.billableMicros > 0 ? 'ready' : 'included',
          plan_id: p.planId,
          term_start: p.termStart,
          included_micros: p.includedMicros,
          billable_micros: p.billableMicros,
          next_attempt_at: now,
          updated: now,
        })
        .where('id', '=', p.id)
        .where('status', '=', 'open')
        .execute();
    }
  }

  /** Hours starting before `hour` that are still to send (and not being sent now) become expired: too old to bill. */
  async expireBefore(hour: string, now: string): Promise<UsageHour[]> {
    const rows = await this.db
      .updateTable('pub_usage_hours')
      .set({ status: 'expired', marketplace_status: 'Expired', last_error: 'not accepted within 24 hours of the hour it bills', updated: now })
      .where('status', '=', 'ready')
      .where('hour', '<', hour)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .returningAll()
      .execute();
    return rows.map(rowToHour);
  }

  /**
   * Leases up to `limit` hours due to be sent to `owner` until `leaseUntil`, taking back hours whose
   * sender died (lease expired). On PostgreSQL, SKIP LOCKED keeps two processes from taking the same hour.
   */
  async claim(owner: string, now: string, leaseUntil: string, limit: number): Promise<UsageHour[]> {
    const rows = await this.db
      // Materialized: PostgreSQL may otherwise run a LIMIT ... SKIP LOCKED subquery once per row and lease them all.
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          const due = db
            .selectFrom('pub_usage_hours')
            .select('id')
            .where('status', '=', 'ready')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
            .orderBy('hour')
            .limit(limit);
          return this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
        },
      )
      .updateTable('pub_usage_hours')
      .set((eb) => ({ lease_owner: owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated: now }))
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', 'ready')
      .returningAll()
      .execute();
    return rows.map(rowToHour).sort((a, b) => a.hour.localeCompare(b.hour));
  }

  /** Records what came of sending an hour; ignored if `owner` lost the lease meanwhile and the hour was settled. */
  async settle(id: string, owner: string, outcome: HourOutcome, now: string): Promise<void> {
    const base = { lease_owner: null, lease_until: null, updated: now };
    const update =
      outcome.status === 'accepted'
        ? {
            ...base,
            status: 'accepted' as const,
            usage_event_id: outcome.usageEventId ?? null,
            accepted_micros: nearestMicros(outcome.acceptedQuantity),
            duplicate: toFlag(outcome.duplicate),
            marketplace_status: outcome.marketplaceStatus,
            last_error: outcome.note ?? null,
            sent_at: now,
          }
        : outcome.status === 'ready'
          ? { ...base, last_error: outcome.error.slice(0, 1000), next_attempt_at: outcome.retryAt }
          : { ...base, status: outcome.status, marketplace_status: outcome.marketplaceStatus, last_error: outcome.error.slice(0, 1000), sent_at: now };
    await this.db.updateTable('pub_usage_hours').set(update).where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'ready').execute();
  }

  /** Gives back the hours `owner` holds and has not settled: the next pass sends them (a resend is answered Duplicate, never billed twice). */
  async releaseLeases(owner: string, now: string): Promise<void> {
    await this.db
      .updateTable('pub_usage_hours')
      .set({ lease_owner: null, lease_until: null, updated: now })
      .where('lease_owner', '=', owner)
      .where('status', '=', 'ready')
      .execute();
  }

  async hoursOf(filter: {
    subscriptionId?: string | undefined;
    status?: readonly UsageHourStatus[] | undefined;
    /** Only hours that start before this one. */
    before?: string;
    limit: number;
    oldestFirst?: boolean;
  }): Promise<UsageHour[]> {
    let query = this.db
      .selectFrom('pub_usage_hours')
      .selectAll()
      .orderBy('hour', filter.oldestFirst ? 'asc' : 'desc')
      .orderBy('subscription_id')
      .orderBy('dimension')
      .limit(filter.limit);
    if (filter.subscriptionId !== undefined) query = query.where('subscription_id', '=', filter.subscriptionId);
    if (filter.status !== undefined) query = query.where('status', 'in', [...filter.status]);
    if (filter.before !== undefined) query = query.where('hour', '<', filter.before);
    return (await query.execute()).map(rowToHour);
  }

  /** Hours sent and accepted whose hour falls in [from, to): what we billed, for reconciliation. */
  async acceptedBetween(from: string, to: string): Promise<UsageHour[]> {
    const rows = await this.db
      .selectFrom('pub_usage_hours')
      .selectAll()
      .where('status', '=', 'accepted')
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .orderBy('hour')
      .execute();
    return rows.map(rowToHour);
  }

  /** Hours by status, and the oldest hour not yet billed (open or waiting to be sent). */
  async summary(): Promise<{ byStatus: Record<string, number>; oldestUnsent: string | undefined }> {
    const rows = await this.db
      .selectFrom('pub_usage_hours')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('n'), eb.fn.min('hour').as('oldest')])
      .groupBy('status')
      .execute();
    const unsent = rows.filter((r) => UNSENT.includes(r.status)).map((r) => r.oldest);
    return { byStatus: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])), oldestUnsent: unsent.sort()[0] };
  }

  /** Hours not billed yet (open or to send) that started before `hour`. */
  async countUnsentBefore(hour: string): Promise<number> {
    const row = await this.db
      .selectFrom('pub_usage_hours')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', 'in', UNSENT)
      .where('hour', '<', hour)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Records of one subscription, newest first. */
  async recordsOf(subscriptionId: string, limit: number): Promise<Selectable<PubUsageRecordRow>[]> {
    return this.db
      .selectFrom('pub_usage_records')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .orderBy('received_at', 'desc')
      .limit(limit)
      .execute();
  }
}

function rowToHour(r: Selectable<PubUsageHourRow>): UsageHour {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    dimension: r.dimension,
    hour: r.hour,
    quantity: fromMicros(Number(r.quantity_micros)),
    records: Number(r.records),
    status: r.status,
    planId: fromColumn(r.plan_id),
    termStart: fromColumn(r.term_start),
    included: fromMicros(Number(r.included_micros)),
    billable: fromMicros(Number(r.billable_micros)),
    attempts: Number(r.attempts),
    nextAttemptAt: fromColumn(r.next_attempt_at),
    usageEventId: fromColumn(r.usage_event_id),
    marketplaceStatus: fromColumn(r.marketplace_status),
    acceptedQuantity: r.accepted_micros === null ? undefined : fromMicros(Number(r.accepted_micros)),
    duplicate: fromFlag(r.duplicate),
    lastError: fromColumn(r.last_error),
    sentAt: fromColumn(r.sent_at),
    updated: r.updated,
  };
}
