// The emulator's persistence: subscriptions, landing tokens, operations, webhook deliveries, the built-in
// inbox and settings. The only module of the emulator that knows the tables (rows.ts maps them).
import { sql, type Kysely } from 'kysely';
import type { OperationStatus } from '@saas-fulfillment/contract';
import { openMigrated, Repository, SettingsTable, type Database, type DatabaseOptions, type DialectName, type Transact } from '@saas-fulfillment/store';
import type { DeliveryAttempt, DeliveryRecord, InboxEntry } from '../model/webhooks.js';
import type { OperationRecord, SubscriptionRecord } from '../model/subscriptions.js';
import { DocumentCache, type CachedDocument, type CachedPage, type CachedToken, type Kept } from './document-cache.js';
import { deliveryToRow, inboxToRow, operationToRow, rowToDelivery, rowToInbox, rowToOperation, rowToSubscription, subscriptionToRow } from './rows.js';
import { marketplaceMigrations, type MarketplaceTables } from './schema.js';
import { UsageEvents } from './usage.js';
import { readTables, STATE_TABLES_CHILD_FIRST, writeTables } from './snapshot.js';
import type { StateTables } from '../model/state.js';

export class MarketplaceStore extends Repository<MarketplaceTables, MarketplaceStore> {
  /** Signing keys, the clock's offset, publisher endpoints, the inbox's answers. */
  readonly settings: SettingsTable;
  /** Accepted metering events. */
  readonly usage: UsageEvents;

  protected override migrationBook() {
    return { table: 'mp_migration', names: Object.keys(marketplaceMigrations) };
  }

  constructor(
    db: Kysely<MarketplaceTables>,
    dialect: DialectName,
    /** Only for a store that is its database's one writer (the embedded SQLite file). */
    private readonly cache?: DocumentCache,
    /** In a transaction: the subscriptions it wrote, dropped from the cache once it commits. */
    private readonly written?: Set<string>,
    transact?: Transact<MarketplaceTables>,
  ) {
    super(db, dialect, transact);
    this.settings = new SettingsTable(db, 'mp_settings');
    this.usage = new UsageEvents(db);
  }

  protected on(db: Kysely<MarketplaceTables>): MarketplaceStore {
    return new MarketplaceStore(db, this.dialect, this.cache, this.written);
  }

  /** Runs `work` in one transaction; the cached documents it changed are dropped once it commits. */
  override async transaction<T>(work: (store: MarketplaceStore) => Promise<T>): Promise<T> {
    const written = new Set<string>();
    const result = await this.transact((trx) => work(new MarketplaceStore(trx, this.dialect, this.cache, written)));
    if (written.size > 0) this.cache?.invalidate(written);
    return result;
  }

  private wrote(id: string): void {
    if (this.written) this.written.add(id);
    else this.cache?.invalidate([id]);
  }

  // Subscriptions

  async insertSubscription(record: SubscriptionRecord): Promise<void> {
    await this.db.insertInto('mp_subscriptions').values(subscriptionToRow(record)).execute();
    this.wrote(record.id);
  }

  async updateSubscription(record: SubscriptionRecord): Promise<void> {
    const { id, ...row } = subscriptionToRow(record);
    await this.db.updateTable('mp_subscriptions').set(row).where('id', '=', id).execute();
    this.wrote(id);
  }

  async getSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const row = await this.db.selectFrom('mp_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToSubscription(row);
  }

  /** Reads a subscription and keeps its row locked until the transaction ends. */
  async lockSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const row = await this.locking(this.db.selectFrom('mp_subscriptions').selectAll().where('id', '=', id)).executeTakeFirst();
    return row && rowToSubscription(row);
  }

  /**
   * A subscription as the API returns it, already serialized: the API's hot read path reads one column
   * and sends it, with no parsing or serializing per request.
   */
  async getSubscriptionDocument(id: string): Promise<CachedDocument | undefined> {
    return this.readThrough('documents', id, async () => {
      const row = await this.db.selectFrom('mp_subscriptions').select(['publisher_id', 'doc']).where('id', '=', id).executeTakeFirst();
      return row && { publisherId: row.publisher_id, doc: row.doc };
    });
  }

  /** Through the cache when this store has one and is not inside a transaction (whose writes are not committed). */
  private readThrough<K extends keyof Kept, Found extends Kept[K] | undefined>(kind: K, key: string, load: () => Promise<Found>): Promise<Found> {
    const cache = this.written ? undefined : this.cache;
    return cache ? cache.through(kind, key, load) : load();
  }

  /**
   * One page of a publisher's subscriptions as a JSON array body (without brackets), in id order after
   * `afterId`. The database joins the stored documents itself: one string crosses into JavaScript, not
   * a row object per subscription.
   */
  async subscriptionPageJson(filter: { publisherId: string; afterId?: string | undefined; limit: number }): Promise<CachedPage> {
    const key = `${filter.publisherId}\n${filter.afterId ?? ''}\n${filter.limit}`;
    return this.readThrough('pages', key, async (): Promise<CachedPage> => {
      let page = this.db.selectFrom('mp_subscriptions').select(['id', 'doc']).where('publisher_id', '=', filter.publisherId).orderBy('id').limit(filter.limit);
      if (filter.afterId !== undefined) page = page.where('id', '>', filter.afterId);
      const joined =
        this.dialect === 'postgres'
          ? sql<string | null>`string_agg(page.doc, ',' order by page.id)`
          : sql<string | null>`group_concat(page.doc, ',' order by page.id)`;
      const row = await this.db
        .selectFrom(page.as('page'))
        .select((eb) => [joined.as('json'), eb.fn.countAll<number | string>().as('count'), eb.fn.max('page.id').as('lastId')])
        .executeTakeFirstOrThrow();
      const count = Number(row.count);
      const more = count === filter.limit && row.lastId !== null && (await this.hasSubscriptionAfter(filter.publisherId, row.lastId));
      return { json: row.json ?? '', count, nextAfter: more ? (row.lastId ?? undefined) : undefined };
    });
  }

  /** True when the publisher has a subscription after `id` (is there another page?). */
  private async hasSubscriptionAfter(publisherId: string, id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('mp_subscriptions')
      .select('id')
      .where('publisher_id', '=', publisherId)
      .where('id', '>', id)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Newest first, for the simulator page. */
  async recentSubscriptions(limit: number): Promise<SubscriptionRecord[]> {
    const rows = await this.db.selectFrom('mp_subscriptions').selectAll().orderBy('created', 'desc').orderBy('id').limit(limit).execute();
    return rows.map(rowToSubscription);
  }

  /**
   * The people who bought a publisher's offers for a customer tenant (its purchasers and beneficiaries
   * there), newest first: the users the Entra stand-in knows in that tenant.
   */
  async customersIn(publisherId: string, tenantId: string, limit: number): Promise<SubscriptionRecord[]> {
    const pattern = `%"tenantid":"${tenantId.toLowerCase().replace(/[^0-9a-f-]/g, '')}"%`;
    const rows = await this.db
      .selectFrom('mp_subscriptions')
      .selectAll()
      .where('publisher_id', '=', publisherId)
      .where((eb) => eb.or([eb(sql<string>`lower(beneficiary)`, 'like', pattern), eb(sql<string>`lower(purchaser)`, 'like', pattern)]))
      .orderBy('created', 'desc')
      .limit(limit)
      .execute();
    return rows.map(rowToSubscription);
  }

  /** Subscriptions whose time rules may fire at `now`: term ended, or Suspended since `suspendedBefore`. */
  async subscriptionsDue(now: string, suspendedBefore: string, limit: number): Promise<SubscriptionRecord[]> {
    const rows = await this.db
      .selectFrom('mp_subscriptions')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'Subscribed'), eb('term_end', '<=', now)]),
          eb.and([eb('status', '=', 'Suspended'), eb('suspended_at', '<=', suspendedBefore)]),
        ]),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(rowToSubscription);
  }

  // Landing tokens

  async insertLandingToken(tokenHash: string, subscriptionId: string, expiresAt: string): Promise<void> {
    await this.db.insertInto('mp_landing_tokens').values({ token_hash: tokenHash, subscription_id: subscriptionId, expires_at: expiresAt }).execute();
  }

  async findLandingToken(tokenHash: string): Promise<CachedToken | undefined> {
    return this.readThrough('tokens', tokenHash, async () => {
      const row = await this.db.selectFrom('mp_landing_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && { subscriptionId: row.subscription_id, expiresAt: row.expires_at };
    });
  }

  // Operations

  async insertOperation(record: OperationRecord): Promise<void> {
    await this.db.insertInto('mp_operations').values(operationToRow(record)).execute();
  }

  async updateOperation(record: OperationRecord): Promise<void> {
    const { id, ...row } = operationToRow(record);
    await this.db.updateTable('mp_operations').set(row).where('id', '=', id).execute();
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    const row = await this.db.selectFrom('mp_operations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToOperation(row);
  }

  async listOperations(subscriptionId: string, status?: OperationStatus): Promise<OperationRecord[]> {
    let query = this.db.selectFrom('mp_operations').selectAll().where('subscription_id', '=', subscriptionId).orderBy('time_stamp').orderBy('id');
    if (status !== undefined) query = query.where('status', '=', status);
    return (await query.execute()).map(rowToOperation);
  }

  /** InProgress operations whose completion time has come. */
  async operationsDue(now: string, limit: number): Promise<OperationRecord[]> {
    const rows = await this.db
      .selectFrom('mp_operations')
      .selectAll()
      .where('status', '=', 'InProgress')
      .where('completes_at', '<=', now)
      .orderBy('completes_at')
      .limit(limit)
      .execute();
    return rows.map(rowToOperation);
  }

  // Webhook deliveries

  async insertDelivery(record: DeliveryRecord): Promise<void> {
    await this.db.insertInto('mp_webhook_deliveries').values(deliveryToRow(record)).execute();
  }

  async updateDelivery(record: DeliveryRecord, attempt: DeliveryAttempt): Promise<void> {
    const { id, ...row } = deliveryToRow(record);
    await this.db.updateTable('mp_webhook_deliveries').set(row).where('id', '=', id).execute();
    await this.db
      .insertInto('mp_webhook_attempts')
      .values({
        delivery_id: id,
        attempt: attempt.attempt,
        at: attempt.at,
        status_code: attempt.statusCode ?? null,
        error: attempt.error ?? null,
        latency_ms: Math.round(attempt.latencyMs),
      })
      .execute();
  }

  async deliveriesDue(now: string, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.db
      .selectFrom('mp_webhook_deliveries')
      .selectAll()
      .where('status', '=', 'Pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('created')
      .limit(limit)
      .execute();
    return rows.map(rowToDelivery);
  }

  async listDeliveries(filter: { subscriptionId?: string; operationId?: string; limit: number }): Promise<DeliveryRecord[]> {
    let query = this.db.selectFrom('mp_webhook_deliveries').selectAll().orderBy('created', 'desc').orderBy('id').limit(filter.limit);
    if (filter.subscriptionId !== undefined) query = query.where('subscription_id', '=', filter.subscriptionId);
    if (filter.operationId !== undefined) query = query.where('operation_id', '=', filter.operationId);
    return (await query.execute()).map(rowToDelivery);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = await this.db.selectFrom('mp_webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToDelivery(row);
  }

  async listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    const rows = await this.db.selectFrom('mp_webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
    return rows.map((r) => ({ attempt: r.attempt, at: r.at, statusCode: r.status_code ?? undefined, error: r.error ?? undefined, latencyMs: r.latency_ms }));
  }

  // The built-in webhook inbox

  async saveInboxEntry(entry: InboxEntry): Promise<void> {
    const row = inboxToRow(entry);
    const { id: _id, ...changes } = row;
    await this.db
      .insertInto('mp_inbox')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }

  /** Keeps only the newest `keep` refused posts of a publisher: they are a log of what was turned away, and must not grow without end. */
  async trimRefusedInbox(publisherId: string, keep: number): Promise<void> {
    const newest = this.db
      .selectFrom('mp_inbox')
      .select('id')
      .where('publisher_id', '=', publisherId)
      .where('refused_because', 'is not', null)
      .orderBy('received_at', 'desc')
      .orderBy('id')
      .limit(keep);
    await this.db
      .deleteFrom('mp_inbox')
      .where('publisher_id', '=', publisherId)
      .where('refused_because', 'is not', null)
      .where('id', 'not in', newest)
      .execute();
  }

  async getInboxEntry(id: string): Promise<InboxEntry | undefined> {
    const row = await this.db.selectFrom('mp_inbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToInbox(row);
  }

  /** Newest first. */
  async listInbox(filter: { publisherId?: string | undefined; limit: number }): Promise<InboxEntry[]> {
    let query = this.db.selectFrom('mp_inbox').selectAll().orderBy('received_at', 'desc').orderBy('id').limit(filter.limit);
    if (filter.publisherId !== undefined) query = query.where('publisher_id', '=', filter.publisherId);
    return (await query.execute()).map(rowToInbox);
  }

  /** Empties every table of marketplace state, in one transaction (not the settings: keys and configuration stay). */
  async clearState(): Promise<void> {
    await this.replaceState(undefined);
  }

  /** Every table of marketplace state, read in one transaction (one moment's state). */
  async readState(): Promise<StateTables> {
    return this.transaction((tx) => readTables(tx.db));
  }

  /** Empties every table of marketplace state and writes `tables` in its place, in one transaction. */
  async replaceState(tables: StateTables | undefined): Promise<void> {
    await this.transaction(async (tx) => {
      for (const table of STATE_TABLES_CHILD_FIRST) await tx.db.deleteFrom(table).execute();
      if (tables) await writeTables(tx.db, this.dialect, tables);
    });
    this.cache?.clear();
  }
}

/** Opens the emulator's database and brings its schema up to date. */
export async function openMarketplaceStore(options: Omit<DatabaseOptions, 'fileName'> & { fileName?: string }): Promise<{
  store: MarketplaceStore;
  database: Database<MarketplaceTables>;
}> {
  const database = await openMigrated<MarketplaceTables>({ fileName: 'marketplace.sqlite', ...options }, marketplaceMigrations, 'mp');
  // Only the embedded file has a single writer; PostgreSQL may be shared by several emulators.
  const cache = database.dialect === 'sqlite' ? new DocumentCache() : undefined;
  return { store: new MarketplaceStore(database.db, database.dialect, cache, undefined, database.transact), database };
}
