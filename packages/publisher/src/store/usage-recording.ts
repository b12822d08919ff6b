// Recording usage: records stored once each (by idempotency key) and added, in micros, to their hours'
// totals in the caller's transaction. Most records take one statement per 500: the hour's total grows
// only while the hour is open and stays within MAX_QUANTITY_MICROS, both checked by the database on the
// row it locks. The few that cannot (an hour already priced, an hour that would pass the ceiling) are then
// taken one by one under the hours' row locks: a late record joins the current hour, and a record that
// would pass the ceiling is refused alone and not kept.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { MAX_QUANTITY_MICROS } from '@saas-fulfillment/contract';
import type { DialectName } from '@saas-fulfillment/store';
import type { UsageHourStatus } from '../model/metering.js';
import type { PubUsageHourRow, PubUsageRecordRow, PublisherTables } from './schema.js';

/** A record checked and ready to store; `id` is chosen by the caller so the answer can name it. */
export type NewUsageRecord = Omit<PubUsageRecordRow, 'billing_hour'>;

/** What recording did: the hour each stored record is billed in, and the records refused as over the ceiling. */
export interface RecordedUsage {
  stored: Map<string, string>;
  overLimit: Set<string>;
}

const CHUNK = 500;

interface HourKey {
  subscriptionId: string;
  dimension: string;
  hour: string;
}

/** An hour read under lock, its total updated in memory as records are admitted. */
interface LockedHour extends HourKey {
  status: UsageHourStatus;
  quantityMicros: number;
  records: number;
}

export class UsageRecording {
  constructor(
    private readonly db: Kysely<PublisherTables>,
    private readonly dialect: DialectName,
  ) {}

  async record(records: readonly NewUsageRecord[], currentHour: string, now: string, hourOf: (at: string) => string): Promise<RecordedUsage> {
    const stored = await this.insertNew(records, hourOf);
    const fresh = records.filter((r) => stored.has(r.id));
    const applied = await this.addToOpenHours(fresh, stored, now);
    const rest = fresh.filter((r) => !applied.has(keyOf(r, stored.get(r.id) as string)));
    const overLimit = rest.length > 0 ? await this.admitOneByOne(rest, stored, currentHour, now) : new Set<string>();
    return { stored, overLimit };
  }

  /** Inserts the records whose idempotency key is new; returns their ids and their own hours. */
  private async insertNew(records: readonly NewUsageRecord[], hourOf: (at: string) => string): Promise<Map<string, string>> {
    const stored = new Map<string, string>();
    for (const chunk of chunks(records)) {
      const inserted = await this.db
        .insertInto('pub_usage_records')
        .values(chunk.map((r) => ({ ...r, billing_hour: hourOf(r.occurred_at) })))
        .onConflict((oc) => oc.columns(['subscription_id', 'idempotency_key']).doNothing())
        .returning(['id', 'billing_hour'])
        .execute();
      for (const row of inserted) stored.set(row.id, row.billing_hour);
    }
    return stored;
  }

  /**
   * Adds each hour's records in one upsert, where the hour is open and its total stays within the ceiling
   * (a group already over it in memory is left out); returns the keys of the hours it added to.
   */
  private async addToOpenHours(fresh: readonly NewUsageRecord[], stored: Map<string, string>, now: string): Promise<Set<string>> {
    const groups = new Map<string, LockedHour>();
    for (const r of fresh) {
      const at = hourKeyOf(r, stored.get(r.id) as string);
      const group = groups.get(hourKey(at)) ?? { ...at, status: 'open', quantityMicros: 0, records: 0 };
      group.quantityMicros = Math.min(group.quantityMicros + r.quantity_micros, MAX_QUANTITY_MICROS + 1);
      group.records += 1;
      groups.set(hourKey(at), group);
    }
    const fitting = [...groups.values()].filter((g) => g.quantityMicros <= MAX_QUANTITY_MICROS).sort((a, b) => hourKey(a).localeCompare(hourKey(b)));
    const applied = new Set<string>();
    for (const chunk of chunks(fitting)) {
      const rows = await this.db
        .insertInto('pub_usage_hours')
        .values(chunk.map((g) => ({ ...emptyHour(g, now), quantity_micros: g.quantityMicros, records: g.records })))
        .onConflict((oc) =>
          oc
            .columns(['subscription_id', 'dimension', 'hour'])
            .doUpdateSet((eb) => ({
              quantity_micros: eb('pub_usage_hours.quantity_micros', '+', eb.ref('excluded.quantity_micros')),
              records: eb('pub_usage_hours.records', '+', eb.ref('excluded.records')),
              updated: eb.ref('excluded.updated'),
            }))
            .where('pub_usage_hours.status', '=', 'open')
            .where((eb) => eb(eb('pub_usage_hours.quantity_micros', '+', eb.ref('excluded.quantity_micros')), '<=', MAX_QUANTITY_MICROS)),
        )
        .returning(['subscription_id', 'dimension', 'hour'])
        .execute();
      for (const row of rows) applied.add(hourKey({ subscriptionId: row.subscription_id, dimension: row.dimension, hour: row.hour }));
    }
    return applied;
  }

  /** The records the upsert could not add, taken one at a time under their hours' locks; returns those refused. */
  private async admitOneByOne(rest: readonly NewUsageRecord[], stored: Map<string, string>, currentHour: string, now: string): Promise<Set<string>> {
    const hours = await this.lockHours(
      rest.map((r) => hourKeyOf(r, stored.get(r.id) as string)),
      now,
    );
    const late = rest.filter((r) => hours.get(keyOf(r, stored.get(r.id) as string))?.status !== 'open');
    if (late.length > 0) {
      for (const [key, hour] of await this.lockHours(
        late.map((r) => hourKeyOf(r, currentHour)),
        now,
      ))
        hours.set(key, hour);
      if (late.some((r) => hours.get(keyOf(r, currentHour))?.status !== 'open')) {
        throw new Error(`the current hour ${currentHour} is already priced: is this process's clock behind the others'?`);
      }
      for (const r of late) stored.set(r.id, currentHour);
    }
    const overLimit = new Set<string>();
    for (const r of rest) {
      const hour = hours.get(keyOf(r, stored.get(r.id) as string)) as LockedHour;
      if (hour.quantityMicros + r.quantity_micros > MAX_QUANTITY_MICROS) {
        overLimit.add(r.id);
        stored.delete(r.id);
      } else {
        hour.quantityMicros += r.quantity_micros;
        hour.records += 1;
      }
    }
    for (const chunk of chunks([...overLimit])) await this.db.deleteFrom('pub_usage_records').where('id', 'in', chunk).execute();
    const moved = late.filter((r) => stored.has(r.id)).map((r) => r.id);
    for (const chunk of chunks(moved)) await this.db.updateTable('pub_usage_records').set({ billing_hour: currentHour }).where('id', 'in', chunk).execute();
    await this.writeTotals([...hours.values()], now);
    return overLimit;
  }

  /**
   * The hours of `keys`, created empty where missing, read and locked (PostgreSQL) until the transaction
   * ends, so two writers of one hour add up one after the other. Keys go in sorted: no two lock in opposite orders.
   */
  private async lockHours(keys: readonly HourKey[], now: string): Promise<Map<string, LockedHour>> {
    const wanted = [...new Map(keys.map((k) => [hourKey(k), k])).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, k]) => k);
    const locked = new Map<string, LockedHour>();
    for (const chunk of chunks(wanted)) {
      await this.db
        .insertInto('pub_usage_hours')
        .values(chunk.map((k) => emptyHour(k, now)))
        .onConflict((oc) => oc.columns(['subscription_id', 'dimension', 'hour']).doNothing())
        .execute();
      const query = this.db
        .selectFrom('pub_usage_hours')
        .select(['subscription_id', 'dimension', 'hour', 'status', 'quantity_micros', 'records'])
        .where((eb) =>
          eb(
            eb.refTuple('subscription_id', 'dimension', 'hour'),
            'in',
            chunk.map((k) => eb.tuple(k.subscriptionId, k.dimension, k.hour)),
          ),
        );
      for (const row of await (this.dialect === 'postgres' ? query.forUpdate() : query).execute()) {
        const key = { subscriptionId: row.subscription_id, dimension: row.dimension, hour: row.hour };
        locked.set(hourKey(key), { ...key, status: row.status, quantityMicros: Number(row.quantity_micros), records: Number(row.records) });
      }
    }
    return locked;
  }

  /** Writes the new totals of open hours; an hour that took no record (all refused) is removed again. */
  private async writeTotals(hours: readonly LockedHour[], now: string): Promise<void> {
    const open = hours.filter((h) => h.status === 'open');
    for (const chunk of chunks(open.filter((h) => h.records > 0))) {
      await this.db
        .insertInto('pub_usage_hours')
        .values(chunk.map((h) => ({ ...emptyHour(h, now), quantity_micros: h.quantityMicros, records: h.records })))
        .onConflict((oc) =>
          oc.columns(['subscription_id', 'dimension', 'hour']).doUpdateSet((eb) => ({
            quantity_micros: eb.ref('excluded.quantity_micros'),
            records: eb.ref('excluded.records'),
            updated: eb.ref('excluded.updated'),
          })),
        )
        .execute();
    }
    for (const chunk of chunks(open.filter((h) => h.records === 0))) {
      await this.db
        .deleteFrom('pub_usage_hours')
        .where((eb) =>
          eb(
            eb.refTuple('subscription_id', 'dimension', 'hour'),
            'in',
            chunk.map((h) => eb.tuple(h.subscriptionId, h.dimension, h.hour)),
          ),
        )
        .where('records', '=', 0)
        .execute();
    }
  }
}

const hourKey = (k: HourKey) => `${k.subscriptionId} ${k.dimension} ${k.hour}`;
const hourKeyOf = (r: NewUsageRecord, hour: string): HourKey => ({ subscriptionId: r.subscription_id, dimension: r.dimension, hour });
const keyOf = (r: NewUsageRecord, hour: string) => hourKey(hourKeyOf(r, hour));

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK) out.push(items.slice(start, start + CHUNK));
  return out;
}

/** A new hour row: open, nothing in it yet, nothing priced or sent. */
function emptyHour(k: HourKey, now: string): PubUsageHourRow {
  return {
    id: randomUUID(),
    subscription_id: k.subscriptionId,
    dimension: k.dimension,
    hour: k.hour,
    quantity_micros: 0,
    records: 0,
    status: 'open',
    plan_id: null,
    term_start: null,
    included_micros: 0,
    billable_micros: 0,
    attempts: 0,
    next_attempt_at: null,
    lease_owner: null,
    lease_until: null,
    usage_event_id: null,
    marketplace_status: null,
    accepted_micros: null,
    duplicate: 0,
    last_error: null,
    sent_at: null,
    updated: now,
  };
}
