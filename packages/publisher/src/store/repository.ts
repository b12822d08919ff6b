// The publisher's persistence: local subscriptions, seen operations, the webhook inbox, the audit log,
// outbound events and settings; the jobs queue rides on the same connection (store/jobs.ts).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type SqlBool } from 'kysely';
import {
  openMigrated,
  Repository,
  SettingsTable,
  toColumn,
  type Database,
  type DatabaseOptions,
  type DialectName,
  type Transact,
} from '@saas-fulfillment/store';
import { JobQueue } from './jobs.js';
import { UsageLedger } from './usage.js';
import type { AuditEntry, LocalOperation, LocalSubscription, OutboundEvent, SubscriptionFilter } from '../model/subscription.js';
import type { InboxReceipt, WebhookReceipt } from '../model/webhooks.js';
import { auditToRow, operationToRow, rowToAudit, rowToEvent, rowToOperation, rowToSubscription, subscriptionToRow } from './rows.js';
import { publisherMigrations } from './migrations.js';
import type { PublisherTables } from './schema.js';
import { SessionTable } from './sessions.js';

/** The tables a reset empties, in an order no reference minds. */
const CLEARED_BY_RESET = [
  'pub_usage_records',
  'pub_usage_hours',
  'pub_events',
  'pub_audit',
  'pub_jobs',
  'pub_webhook_inbox',
  'pub_operations',
  'pub_subscriptions',
] as const;

/**
 * A number that moves whenever a subscription may have changed: as a write starts, as it ends, and once the
 * transaction it was in has committed. A reader that keeps what it read (the entitlement API's answers)
 * notes the number before reading and trusts its copy only while the number has not moved.
 */
export class SubscriptionVersion {
  current = 0;
  bump(): void {
    this.current++;
  }
}

export class PublisherStore extends Repository<PublisherTables, PublisherStore> {
  /** Shared by this store and every transaction's: see SubscriptionVersion. */
  readonly subscriptionVersion: SubscriptionVersion;
  /** In a transaction's store: told when the transaction writes a subscription. */
  private onSubscriptionWrite: (() => void) | undefined;
  /** The jobs queue, on the same connection: a job is queued in the transaction of the change that needs it. */
  readonly jobs: JobQueue;
  /** The cookie and session secrets. */
  readonly settings: SettingsTable;
  readonly sessions: SessionTable;
  /** Usage records and hours (metering), on the same connection. */
  readonly usage: UsageLedger;

  protected override migrationBook() {
    return { table: 'pub_migration', names: Object.keys(publisherMigrations) };
  }

  constructor(db: Kysely<PublisherTables>, dialect: DialectName, transact?: Transact<PublisherTables>, version = new SubscriptionVersion()) {
    super(db, dialect, transact);
    this.subscriptionVersion = version;
    this.jobs = new JobQueue(db, dialect);
    this.settings = new SettingsTable(db, 'pub_settings');
    this.sessions = new SessionTable(db);
    this.usage = new UsageLedger(db, dialect);
  }

  protected on(db: Kysely<PublisherTables>): PublisherStore {
    return new PublisherStore(db, this.dialect, undefined, this.subscriptionVersion);
  }

  /** As Repository's, and a transaction that wrote a subscription moves its version once committed (or not). */
  override transaction<T>(work: (store: PublisherStore) => Promise<T>): Promise<T> {
    let wrote = false;
    return super
      .transaction((tx) => {
        tx.onSubscriptionWrite = () => {
          wrote = true;
        };
        return work(tx);
      })
      .finally(() => {
        if (wrote) this.subscriptionVersion.bump();
      });
  }

  // Subscriptions

  /** A subscription; with `forUpdate`, its row stays locked until the transaction ends. */
  async getSubscription(id: string, forUpdate = false): Promise<LocalSubscription | undefined> {
    const query = this.db.selectFrom('pub_subscriptions').selectAll().where('id', '=', id);
    const row = await (forUpdate ? this.locking(query) : query).executeTakeFirst();
    return row && rowToSubscription(row);
  }

  async saveSubscription(s: LocalSubscription): Promise<void> {
    const row = subscriptionToRow(s);
    const { id: _id, created: _created, ...changes } = row;
    this.subscriptionVersion.bump();
    this.onSubscriptionWrite?.();
    await this.db
      .insertInto('pub_subscriptions')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
    this.subscriptionVersion.bump();
  }

  async findSubscriptions(filter: SubscriptionFilter): Promise<{ items: LocalSubscription[]; total: number }> {
    let query = this.db.selectFrom('pub_subscriptions');
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.planId) query = query.where('plan_id', '=', filter.planId);
    if (filter.search) {
      // The search is literal: `%` and `_` are escaped, and ESCAPE says with what (SQLite has no default).
      const like = `%${filter.search.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      const matches = (column: 'id' | 'name' | 'beneficiary' | 'purchaser') => sql<SqlBool>`lower(${sql.ref(column)}) like ${like} escape '\\'`;
      query = query.where((eb) => eb.or([matches('id'), matches('name'), matches('beneficiary'), matches('purchaser')]));
    }
    const total = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const rows = await query.selectAll().orderBy('updated', 'desc').orderBy('id').offset(filter.offset).limit(filter.limit).execute();
    return { items: rows.map(rowToSubscription), total: Number(total.n) };
  }

  /** The subscriptions among `ids` that we know, by id. */
  async subscriptionsById(ids: readonly string[]): Promise<Map<string, LocalSubscription>> {
    const found = new Map<string, LocalSubscription>();
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await this.db
        .selectFrom('pub_subscriptions')
        .selectAll()
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
      for (const row of rows) found.set(row.id, rowToSubscription(row));
    }
    return found;
  }

  async subscriptionsByTenant(tenantId: string): Promise<LocalSubscription[]> {
    const rows = await this.db.selectFrom('pub_subscriptions').selectAll().where('beneficiary_tenant', '=', tenantId).orderBy('created').execute();
    return rows.map(rowToSubscription);
  }

  /**
   * Forgets every subscription and what came of it: operations, webhooks, jobs, the audit trail, events
   * and usage (`dev`'s reset, with the emulator's). Settings and console sessions stay.
   */
  async clearState(): Promise<void> {
    await this.transaction(async (tx) => {
      tx.onSubscriptionWrite?.();
      for (const table of CLEARED_BY_RESET) await tx.db.deleteFrom(table).execute();
    });
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('pub_subscriptions')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  // Operations and the webhook inbox

  async saveOperation(o: LocalOperation): Promise<void> {
    const row = operationToRow(o);
    const { id: _id, ...changes } = row;
    await this.db
      .insertInto('pub_operations')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }

  async getOperation(id: string): Promise<LocalOperation | undefined> {
    const row = await this.db.selectFrom('pub_operations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToOperation(row);
  }

  async operationsOf(subscriptionId: string): Promise<LocalOperation[]> {
    const rows = await this.db.selectFrom('pub_operations').selectAll().where('subscription_id', '=', subscriptionId).orderBy('time_stamp').execute();
    return rows.map(rowToOperation);
  }

  /**
   * Stores webhooks received together, one row per operation (a repeat only bumps the delivery count, so
   * it never queues work twice); for each notice, in order, whether it is the operation's first delivery.
   * Rows are written in operation order, so two writers on PostgreSQL never wait on each other's rows
   * crosswise.
   */
  async recordWebhooks(notices: readonly WebhookReceipt[], at: string): Promise<boolean[]> {
    const inBatch = new Map<string, { notice: WebhookReceipt; count: number }>();
    for (const notice of notices) {
      const entry = inBatch.get(notice.operationId);
      if (entry) entry.count++;
      else inBatch.set(notice.operationId, { notice, count: 1 });
    }
    const rows = [...inBatch.values()]
      .sort((a, b) => (a.notice.operationId < b.notice.operationId ? -1 : 1))
      .map(({ notice, count }) => ({
        operation_id: notice.operationId,
        subscription_id: notice.subscriptionId,
        action: notice.action,
        received_at: at,
        deliveries: count,
        payload: notice.payload,
      }));
    const stored = await this.db
      .insertInto('pub_webhook_inbox')
      .values(rows)
      .onConflict((oc) =>
        oc.column('operation_id').doUpdateSet((eb) => ({ deliveries: eb('pub_webhook_inbox.deliveries', '+', eb.ref('excluded.deliveries')) })),
      )
      .returning(['operation_id', 'deliveries'])
      .execute();
    // New when the row holds exactly this batch's deliveries; then only its first notice is.
    const fresh = new Set(stored.filter((row) => Number(row.deliveries) === inBatch.get(row.operation_id)?.count).map((row) => row.operation_id));
    return notices.map((notice) => fresh.delete(notice.operationId));
  }

  async inboxOf(subscriptionId: string): Promise<InboxReceipt[]> {
    const rows = await this.db
      .selectFrom('pub_webhook_inbox')
      .select(['operation_id', 'action', 'received_at', 'deliveries'])
      .where('subscription_id', '=', subscriptionId)
      .orderBy('received_at')
      .execute();
    return rows.map((r) => ({ operationId: r.operation_id, action: r.action, receivedAt: r.received_at, deliveries: Number(r.deliveries) }));
  }

  // Audit log (append-only) and outbound events

  async audit(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.db
      .insertInto('pub_audit')
      .values(auditToRow({ ...entry, id: `${entry.at}-${randomUUID()}` }))
      .execute();
  }

  async auditOf(filter: { subscriptionId?: string; kind?: string; limit: number }): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('pub_audit').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.subscriptionId) query = query.where('subscription_id', '=', filter.subscriptionId);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    return (await query.execute()).map(rowToAudit);
  }

  async insertEvent(event: OutboundEvent): Promise<void> {
    await this.db
      .insertInto('pub_events')
      .values({
        id: event.id,
        type: event.type,
        subscription_id: event.subscriptionId,
        payload: event.payload,
        status: event.status,
        attempts: event.attempts,
        last_status_code: null,
        last_error: null,
        created: event.created,
        delivered_at: null,
      })
      .execute();
  }

  async getEvent(id: string): Promise<OutboundEvent | undefined> {
    const row = await this.db.selectFrom('pub_events').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToEvent(row);
  }

  async recordEventAttempt(
    id: string,
    result: { status: OutboundEvent['status']; statusCode: number | undefined; error: string | undefined; at: string },
  ): Promise<void> {
    await this.db
      .updateTable('pub_events')
      .set((eb) => ({
        status: result.status,
        attempts: eb('attempts', '+', 1),
        last_status_code: toColumn(result.statusCode),
        last_error: toColumn(result.error),
        delivered_at: result.status === 'delivered' ? result.at : null,
      }))
      .where('id', '=', id)
      .execute();
  }

  async eventsOf(subscriptionId: string, limit: number): Promise<OutboundEvent[]> {
    const rows = await this.db
      .selectFrom('pub_events')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .orderBy('created', 'desc')
      .limit(limit)
      .execute();
    return rows.map(rowToEvent);
  }
}

export async function openPublisherStore(
  options: Omit<DatabaseOptions, 'fileName'> & { fileName?: string },
): Promise<{ store: PublisherStore; database: Database<PublisherTables> }> {
  const database = await openMigrated<PublisherTables>({ fileName: 'publisher.sqlite', ...options }, publisherMigrations, 'pub');
  return { store: new PublisherStore(database.db, database.dialect, database.transact), database };
}
