// The emulator's persistence: subscriptions, landing tokens, operations, webhook deliveries and settings,
// as domain records. The only module of the emulator that knows the tables.
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  AadIdentifier,
  CustomerOperation,
  OperationAction,
  OperationRequestSource,
  OperationStatus,
  SubscriptionStatus,
  TermUnit,
} from '@saas-fulfillment/contract';
import { openMigrated, type Database, type DatabaseOptions, type DialectName } from '@saas-fulfillment/store';
import { subscriptionToWire } from '../wire.js';
import { DocumentCache, type CachedDocument } from './document-cache.js';
import { marketplaceMigrations, type DeliveryRow, type InboxRow, type MarketplaceTables, type OperationRow, type SubscriptionRow } from './schema.js';

export interface SubscriptionRecord {
  id: string;
  publisherId: string;
  offerId: string;
  planId: string;
  quantity: number | undefined;
  name: string;
  status: SubscriptionStatus;
  beneficiary: AadIdentifier;
  purchaser: AadIdentifier;
  termUnit: TermUnit;
  termStart: string | undefined;
  termEnd: string | undefined;
  autoRenew: boolean;
  isTest: boolean;
  isFreeTrial: boolean;
  allowedCustomerOperations: CustomerOperation[];
  sandboxType: 'None' | 'Csp';
  sessionMode: 'None' | 'DryRun';
  created: string;
  lastModified: string;
  suspendedAt: string | undefined;
}

export interface OperationRecord {
  id: string;
  subscriptionId: string;
  publisherId: string;
  offerId: string;
  activityId: string;
  action: OperationAction;
  status: OperationStatus;
  planId: string;
  quantity: number | undefined;
  source: OperationRequestSource;
  timeStamp: string;
  completesAt: string | undefined;
  errorMessage: string | undefined;
}

export type DeliveryStatus = 'Pending' | 'Delivered' | 'Rejected' | 'Abandoned';

export interface DeliveryRecord {
  id: string;
  operationId: string;
  subscriptionId: string;
  publisherId: string;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | undefined;
  lastError: string | undefined;
  lastLatencyMs: number | undefined;
  created: string;
  finishedAt: string | undefined;
}

/** How the built-in inbox answers a delivery. */
export type InboxAnswer = 'ok' | 'reject' | 'timeout' | 'patch-success' | 'patch-failure';

export interface InboxEntry {
  id: string;
  publisherId: string;
  receivedAt: string;
  operationId: string | undefined;
  subscriptionId: string | undefined;
  action: string | undefined;
  payload: string;
  /** Why the delivery's bearer token was refused; undefined when it verified. */
  refusedBecause: string | undefined;
  answer: InboxAnswer;
  statusCode: number | undefined;
  acknowledgement: string | undefined;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  statusCode: number | undefined;
  error: string | undefined;
  latencyMs: number;
}

export class MarketplaceStore {
  constructor(
    private readonly db: Kysely<MarketplaceTables>,
    readonly dialect: DialectName,
    /** Only for a store that is its database's one writer (the embedded SQLite file). */
    private readonly cache?: DocumentCache,
    /** In a transaction: the subscriptions it wrote, dropped from the cache once it commits. */
    private readonly written?: Set<string>,
  ) {}

  /** Runs `work` in one transaction: all of its writes land together or none do. */
  async transaction<T>(work: (store: MarketplaceStore) => Promise<T>): Promise<T> {
    const written = new Set<string>();
    const result = await this.db.transaction().execute((trx) => work(new MarketplaceStore(trx, this.dialect, this.cache, written)));
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

  /** Reads a subscription and, on PostgreSQL, locks its row until the transaction ends. */
  async lockSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    // SQLite runs one write transaction at a time, so the row is already ours there.
    let query = this.db.selectFrom('mp_subscriptions').selectAll().where('id', '=', id);
    if (this.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && rowToSubscription(row);
  }

  /**
   * A subscription as the API returns it, already serialized: the API's hot read path reads one column
   * and sends it, with no parsing or serializing per request.
   */
  async getSubscriptionDocument(id: string): Promise<CachedDocument | undefined> {
    const cache = this.written ? undefined : this.cache;
    const cached = cache?.get(id);
    if (cached) return cached;
    const snapshot = cache?.snapshot() ?? 0;
    const row = await this.db.selectFrom('mp_subscriptions').select(['publisher_id', 'doc']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const document = { publisherId: row.publisher_id, doc: row.doc };
    cache?.fill(id, document, snapshot);
    return document;
  }

  /**
   * One page of a publisher's subscriptions as a JSON array body (without brackets), in id order after
   * `afterId`. The database joins the stored documents itself: one string crosses into JavaScript, not
   * a row object per subscription.
   */
  async subscriptionPageJson(filter: {
    publisherId: string;
    afterId?: string | undefined;
    limit: number;
  }): Promise<{ json: string; count: number; lastId: string | undefined }> {
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
    return { json: row.json ?? '', count: Number(row.count), lastId: row.lastId ?? undefined };
  }

  /** True when the publisher has a subscription after `id` (is there another page?). */
  async hasSubscriptionAfter(publisherId: string, id: string): Promise<boolean> {
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

  async findLandingToken(tokenHash: string): Promise<{ subscriptionId: string; expiresAt: string } | undefined> {
    const row = await this.db.selectFrom('mp_landing_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && { subscriptionId: row.subscription_id, expiresAt: row.expires_at };
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

  /** Empties every table of marketplace state (not the settings: keys and configuration stay). */
  async clearState(): Promise<void> {
    // Children before parents, for the foreign keys.
    for (const table of ['mp_webhook_attempts', 'mp_webhook_deliveries', 'mp_inbox', 'mp_operations', 'mp_landing_tokens', 'mp_subscriptions'] as const) {
      await this.db.deleteFrom(table).execute();
    }
    this.cache?.clear();
  }

  // Settings (signing keys, the clock's offset, publisher endpoints)

  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('mp_settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('mp_settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** Stores `value` unless the key already has one; returns the value that is stored now. */
  async setSettingOnce(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('mp_settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.getSetting(key)) ?? value;
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
  return { store: new MarketplaceStore(database.db, database.dialect, cache), database };
}

const bool = (value: boolean) => (value ? 1 : 0);

function subscriptionToRow(s: SubscriptionRecord): SubscriptionRow {
  return {
    id: s.id,
    publisher_id: s.publisherId,
    offer_id: s.offerId,
    plan_id: s.planId,
    quantity: s.quantity ?? null,
    name: s.name,
    status: s.status,
    beneficiary: JSON.stringify(s.beneficiary),
    purchaser: JSON.stringify(s.purchaser),
    term_unit: s.termUnit,
    term_start: s.termStart ?? null,
    term_end: s.termEnd ?? null,
    auto_renew: bool(s.autoRenew),
    is_test: bool(s.isTest),
    is_free_trial: bool(s.isFreeTrial),
    allowed_operations: JSON.stringify(s.allowedCustomerOperations),
    sandbox_type: s.sandboxType,
    session_mode: s.sessionMode,
    created: s.created,
    last_modified: s.lastModified,
    suspended_at: s.suspendedAt ?? null,
    doc: JSON.stringify(subscriptionToWire(s)),
  };
}

function rowToSubscription(r: Selectable<SubscriptionRow>): SubscriptionRecord {
  return {
    id: r.id,
    publisherId: r.publisher_id,
    offerId: r.offer_id,
    planId: r.plan_id,
    quantity: r.quantity ?? undefined,
    name: r.name,
    status: r.status as SubscriptionStatus,
    beneficiary: JSON.parse(r.beneficiary) as AadIdentifier,
    purchaser: JSON.parse(r.purchaser) as AadIdentifier,
    termUnit: r.term_unit as TermUnit,
    termStart: r.term_start ?? undefined,
    termEnd: r.term_end ?? undefined,
    autoRenew: r.auto_renew === 1,
    isTest: r.is_test === 1,
    isFreeTrial: r.is_free_trial === 1,
    allowedCustomerOperations: JSON.parse(r.allowed_operations) as CustomerOperation[],
    sandboxType: r.sandbox_type as 'None' | 'Csp',
    sessionMode: r.session_mode as 'None' | 'DryRun',
    created: r.created,
    lastModified: r.last_modified,
    suspendedAt: r.suspended_at ?? undefined,
  };
}

function operationToRow(o: OperationRecord): OperationRow {
  return {
    id: o.id,
    subscription_id: o.subscriptionId,
    publisher_id: o.publisherId,
    offer_id: o.offerId,
    activity_id: o.activityId,
    action: o.action,
    status: o.status,
    plan_id: o.planId,
    quantity: o.quantity ?? null,
    source: o.source,
    time_stamp: o.timeStamp,
    completes_at: o.completesAt ?? null,
    error_message: o.errorMessage ?? null,
  };
}

function rowToOperation(r: Selectable<OperationRow>): OperationRecord {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    publisherId: r.publisher_id,
    offerId: r.offer_id,
    activityId: r.activity_id,
    action: r.action as OperationAction,
    status: r.status as OperationStatus,
    planId: r.plan_id,
    quantity: r.quantity ?? undefined,
    source: r.source as OperationRequestSource,
    timeStamp: r.time_stamp,
    completesAt: r.completes_at ?? undefined,
    errorMessage: r.error_message ?? undefined,
  };
}

function deliveryToRow(d: DeliveryRecord): DeliveryRow {
  return {
    id: d.id,
    operation_id: d.operationId,
    subscription_id: d.subscriptionId,
    publisher_id: d.publisherId,
    url: d.url,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    last_status_code: d.lastStatusCode ?? null,
    last_error: d.lastError ?? null,
    last_latency_ms: d.lastLatencyMs === undefined ? null : Math.round(d.lastLatencyMs),
    created: d.created,
    finished_at: d.finishedAt ?? null,
  };
}

function inboxToRow(e: InboxEntry): InboxRow {
  return {
    id: e.id,
    publisher_id: e.publisherId,
    received_at: e.receivedAt,
    operation_id: e.operationId ?? null,
    subscription_id: e.subscriptionId ?? null,
    action: e.action ?? null,
    payload: e.payload,
    refused_because: e.refusedBecause ?? null,
    answer: e.answer,
    status_code: e.statusCode ?? null,
    acknowledgement: e.acknowledgement ?? null,
  };
}

function rowToInbox(r: Selectable<InboxRow>): InboxEntry {
  return {
    id: r.id,
    publisherId: r.publisher_id,
    receivedAt: r.received_at,
    operationId: r.operation_id ?? undefined,
    subscriptionId: r.subscription_id ?? undefined,
    action: r.action ?? undefined,
    payload: r.payload,
    refusedBecause: r.refused_because ?? undefined,
    answer: r.answer as InboxAnswer,
    statusCode: r.status_code ?? undefined,
    acknowledgement: r.acknowledgement ?? undefined,
  };
}

function rowToDelivery(r: Selectable<DeliveryRow>): DeliveryRecord {
  return {
    id: r.id,
    operationId: r.operation_id,
    subscriptionId: r.subscription_id,
    publisherId: r.publisher_id,
    url: r.url,
    payload: r.payload,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code ?? undefined,
    lastError: r.last_error ?? undefined,
    lastLatencyMs: r.last_latency_ms ?? undefined,
    created: r.created,
    finishedAt: r.finished_at ?? undefined,
  };
}
