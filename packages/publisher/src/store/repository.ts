// The publisher's persistence: local subscriptions, seen operations, the webhook inbox, the jobs queue
// (claimed with FOR UPDATE SKIP LOCKED on PostgreSQL), the audit log and outbound events.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AadIdentifier } from '@saas-fulfillment/contract';
import { openMigrated, type Database, type DatabaseOptions, type DialectName } from '@saas-fulfillment/store';
import {
  publisherMigrations,
  type PubAuditRow,
  type PubEventRow,
  type PubJobRow,
  type PubOperationRow,
  type PubSubscriptionRow,
  type PublisherTables,
} from './schema.js';

type Provisioning = 'none' | 'pending' | 'done' | 'failed';

export interface LocalSubscription {
  id: string;
  publisherId: string;
  offerId: string;
  planId: string;
  quantity: number | undefined;
  /** The marketplace's status; may be a value newer than this code knows. */
  status: string;
  name: string;
  purchaser: AadIdentifier;
  beneficiary: AadIdentifier;
  termUnit: string | undefined;
  termStart: string | undefined;
  termEnd: string | undefined;
  autoRenew: boolean;
  isFreeTrial: boolean;
  isTest: boolean;
  version: string;
  provisioning: Provisioning;
  provisioningError: string | undefined;
  activatedAt: string | undefined;
  created: string;
  updated: string;
}

export type OperationOutcome = 'received' | 'requested' | 'accepted' | 'rejected' | 'applied' | 'ignored' | 'failed';

export interface LocalOperation {
  id: string;
  subscriptionId: string;
  action: string;
  source: string | undefined;
  marketplaceStatus: string;
  planId: string | undefined;
  quantity: number | undefined;
  timeStamp: string;
  outcome: OperationOutcome;
  reason: string | undefined;
  updated: string;
}

export type JobStatus = 'pending' | 'running' | 'done' | 'dead';

export interface Job {
  id: string;
  kind: string;
  dedupeKey: string | undefined;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lockedBy: string | undefined;
  lastError: string | undefined;
  created: string;
  updated: string;
}

export interface AuditEntry {
  id: string;
  subscriptionId: string;
  at: string;
  kind: string;
  cause: string;
  detail: string;
  before: unknown;
  after: unknown;
}

export interface OutboundEvent {
  id: string;
  type: string;
  subscriptionId: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | undefined;
  lastError: string | undefined;
  created: string;
  deliveredAt: string | undefined;
}

export interface SubscriptionFilter {
  search?: string | undefined;
  status?: string | undefined;
  planId?: string | undefined;
  offset: number;
  limit: number;
}

export class PublisherStore {
  constructor(
    private readonly db: Kysely<PublisherTables>,
    readonly dialect: DialectName,
  ) {}

  transaction<T>(work: (store: PublisherStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new PublisherStore(trx, this.dialect)));
  }

  // Subscriptions

  async getSubscription(id: string, forUpdate = false): Promise<LocalSubscription | undefined> {
    let query = this.db.selectFrom('pub_subscriptions').selectAll().where('id', '=', id);
    if (forUpdate && this.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && rowToSubscription(row);
  }

  async saveSubscription(s: LocalSubscription): Promise<void> {
    const row = subscriptionToRow(s);
    const { id: _id, created: _created, ...changes } = row;
    await this.db
      .insertInto('pub_subscriptions')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }

  async findSubscriptions(filter: SubscriptionFilter): Promise<{ items: LocalSubscription[]; total: number }> {
    let query = this.db.selectFrom('pub_subscriptions');
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.planId) query = query.where('plan_id', '=', filter.planId);
    if (filter.search) {
      const like = `%${filter.search.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['id']), 'like', like),
          eb(eb.fn('lower', ['name']), 'like', like),
          eb(eb.fn('lower', ['beneficiary']), 'like', like),
          eb(eb.fn('lower', ['purchaser']), 'like', like),
        ]),
      );
    }
    const total = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const rows = await query.selectAll().orderBy('updated', 'desc').orderBy('id').offset(filter.offset).limit(filter.limit).execute();
    return { items: rows.map(rowToSubscription), total: Number(total.n) };
  }

  async subscriptionsByTenant(tenantId: string): Promise<LocalSubscription[]> {
    const rows = await this.db.selectFrom('pub_subscriptions').selectAll().where('beneficiary_tenant', '=', tenantId).orderBy('created').execute();
    return rows.map(rowToSubscription);
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
    const row = {
      id: o.id,
      subscription_id: o.subscriptionId,
      action: o.action,
      source: o.source ?? null,
      marketplace_status: o.marketplaceStatus,
      plan_id: o.planId ?? null,
      quantity: o.quantity ?? null,
      time_stamp: o.timeStamp,
      outcome: o.outcome,
      reason: o.reason ?? null,
      updated: o.updated,
    };
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
   * Records a webhook delivery; true when it is the first for this operation id. A duplicate only
   * bumps the delivery count, so it never queues work twice.
   */
  async recordWebhook(operationId: string, subscriptionId: string, action: string, payload: string, at: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('pub_webhook_inbox')
      .values({ operation_id: operationId, subscription_id: subscriptionId, action, received_at: at, deliveries: 1, payload })
      .onConflict((oc) => oc.column('operation_id').doUpdateSet((eb) => ({ deliveries: eb('pub_webhook_inbox.deliveries', '+', 1) })))
      .returning('deliveries')
      .executeTakeFirstOrThrow();
    return Number(inserted.deliveries) === 1;
  }

  async inboxOf(subscriptionId: string): Promise<{ operationId: string; action: string; receivedAt: string; deliveries: number }[]> {
    const rows = await this.db
      .selectFrom('pub_webhook_inbox')
      .select(['operation_id', 'action', 'received_at', 'deliveries'])
      .where('subscription_id', '=', subscriptionId)
      .orderBy('received_at')
      .execute();
    return rows.map((r) => ({ operationId: r.operation_id, action: r.action, receivedAt: r.received_at, deliveries: Number(r.deliveries) }));
  }

  // Jobs

  async enqueue(job: { kind: string; payload: Record<string, unknown>; dedupeKey?: string; runAt: string; maxAttempts?: number }): Promise<string | undefined> {
    const id = randomUUID();
    const inserted = await this.db
      .insertInto('pub_jobs')
      .values({
        id,
        kind: job.kind,
        dedupe_key: job.dedupeKey ?? null,
        payload: JSON.stringify(job.payload),
        status: 'pending',
        attempts: 0,
        max_attempts: job.maxAttempts ?? 8,
        run_at: job.runAt,
        locked_by: null,
        locked_until: null,
        last_error: null,
        created: job.runAt,
        updated: job.runAt,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id;
  }

  /**
   * Claims up to `limit` due jobs for `worker`, also taking back jobs whose holder died (lock expired).
   * On PostgreSQL, FOR UPDATE SKIP LOCKED lets several publisher processes claim side by side without
   * waiting on each other or taking the same job.
   */
  async claimJobs(worker: string, now: string, lockUntil: string, limit: number): Promise<Job[]> {
    let due = this.db
      .selectFrom('pub_jobs')
      .select('id')
      .where((eb) =>
        eb.or([eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', now)]), eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)])]),
      )
      .orderBy('run_at')
      .limit(limit);
    if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await this.db
      .updateTable('pub_jobs')
      .set((eb) => ({ status: 'running', locked_by: worker, locked_until: lockUntil, attempts: eb('attempts', '+', 1), updated: now }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.map(rowToJob);
  }

  /** Keeps a running job's claim alive: a job is only taken back once its holder stops renewing. */
  async extendLock(id: string, worker: string, until: string): Promise<void> {
    await this.db
      .updateTable('pub_jobs')
      .set({ locked_until: until })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .where('status', '=', 'running')
      .execute();
  }

  async finishJob(id: string, worker: string, now: string): Promise<void> {
    await this.db
      .updateTable('pub_jobs')
      .set({ status: 'done', locked_by: null, locked_until: null, last_error: null, updated: now })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .execute();
  }

  /** Ends a run that did not finish: to run again at `retryAt`, or dead. `error` is undefined for a job that only waits. */
  async failJob(id: string, worker: string, error: string | undefined, retryAt: string | undefined, now: string): Promise<void> {
    await this.db
      .updateTable('pub_jobs')
      .set({
        status: retryAt ? 'pending' : 'dead',
        run_at: retryAt ?? now,
        locked_by: null,
        locked_until: null,
        last_error: error?.slice(0, 2000) ?? null,
        updated: now,
      })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .execute();
  }

  /** Puts a dead (or waiting) job back to run now, with a fresh set of attempts. */
  async retryJob(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pub_jobs')
      .set({ status: 'pending', run_at: now, attempts: 0, updated: now })
      .where('id', '=', id)
      .where('status', 'in', ['dead', 'pending'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async listJobs(filter: { status?: JobStatus[]; subscriptionId?: string; limit: number }): Promise<Job[]> {
    let query = this.db.selectFrom('pub_jobs').selectAll().orderBy('updated', 'desc').limit(filter.limit);
    if (filter.status) query = query.where('status', 'in', filter.status);
    if (filter.subscriptionId) query = query.where('payload', 'like', `%"subscriptionId":"${filter.subscriptionId.replace(/[%_"\\]/g, '')}"%`);
    return (await query.execute()).map(rowToJob);
  }

  async countJobs(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('pub_jobs')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  // Audit log (append-only) and outbound events

  async audit(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.db
      .insertInto('pub_audit')
      .values({
        id: `${entry.at}-${randomUUID()}`,
        subscription_id: entry.subscriptionId,
        at: entry.at,
        kind: entry.kind,
        cause: entry.cause,
        detail: entry.detail,
        before: entry.before === undefined ? null : JSON.stringify(entry.before),
        after: entry.after === undefined ? null : JSON.stringify(entry.after),
      })
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
        last_status_code: result.statusCode ?? null,
        last_error: result.error ?? null,
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

  // Settings

  async getSetting(key: string): Promise<string | undefined> {
    return (await this.db.selectFrom('pub_settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
  }

  async setSettingOnce(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('pub_settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.getSetting(key)) ?? value;
  }

  /** A cheap query that proves the database answers (readiness). */
  async ping(): Promise<void> {
    await this.db.selectFrom('pub_settings').select('key').limit(1).execute();
  }
}

export async function openPublisherStore(
  options: Omit<DatabaseOptions, 'fileName'> & { fileName?: string },
): Promise<{ store: PublisherStore; database: Database<PublisherTables> }> {
  const database = await openMigrated<PublisherTables>({ fileName: 'publisher.sqlite', ...options }, publisherMigrations, 'pub');
  return { store: new PublisherStore(database.db, database.dialect), database };
}

function subscriptionToRow(s: LocalSubscription): PubSubscriptionRow {
  return {
    id: s.id,
    publisher_id: s.publisherId,
    offer_id: s.offerId,
    plan_id: s.planId,
    quantity: s.quantity ?? null,
    status: s.status,
    name: s.name,
    purchaser: JSON.stringify(s.purchaser),
    beneficiary: JSON.stringify(s.beneficiary),
    beneficiary_tenant: s.beneficiary.tenantId ?? null,
    term_unit: s.termUnit ?? null,
    term_start: s.termStart ?? null,
    term_end: s.termEnd ?? null,
    auto_renew: s.autoRenew ? 1 : 0,
    is_free_trial: s.isFreeTrial ? 1 : 0,
    is_test: s.isTest ? 1 : 0,
    version: s.version,
    provisioning: s.provisioning,
    provisioning_error: s.provisioningError ?? null,
    activated_at: s.activatedAt ?? null,
    created: s.created,
    updated: s.updated,
  };
}

function rowToSubscription(r: Selectable<PubSubscriptionRow>): LocalSubscription {
  return {
    id: r.id,
    publisherId: r.publisher_id,
    offerId: r.offer_id,
    planId: r.plan_id,
    quantity: r.quantity ?? undefined,
    status: r.status,
    name: r.name,
    purchaser: JSON.parse(r.purchaser) as AadIdentifier,
    beneficiary: JSON.parse(r.beneficiary) as AadIdentifier,
    termUnit: r.term_unit ?? undefined,
    termStart: r.term_start ?? undefined,
    termEnd: r.term_end ?? undefined,
    autoRenew: Number(r.auto_renew) === 1,
    isFreeTrial: Number(r.is_free_trial) === 1,
    isTest: Number(r.is_test) === 1,
    version: r.version,
    provisioning: r.provisioning as Provisioning,
    provisioningError: r.provisioning_error ?? undefined,
    activatedAt: r.activated_at ?? undefined,
    created: r.created,
    updated: r.updated,
  };
}

function rowToOperation(r: Selectable<PubOperationRow>): LocalOperation {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    action: r.action,
    source: r.source ?? undefined,
    marketplaceStatus: r.marketplace_status,
    planId: r.plan_id ?? undefined,
    quantity: r.quantity ?? undefined,
    timeStamp: r.time_stamp,
    outcome: r.outcome as OperationOutcome,
    reason: r.reason ?? undefined,
    updated: r.updated,
  };
}

function rowToEvent(r: Selectable<PubEventRow>): OutboundEvent {
  return {
    id: r.id,
    type: r.type,
    subscriptionId: r.subscription_id,
    payload: r.payload,
    status: r.status as OutboundEvent['status'],
    attempts: Number(r.attempts),
    lastStatusCode: r.last_status_code ?? undefined,
    lastError: r.last_error ?? undefined,
    created: r.created,
    deliveredAt: r.delivered_at ?? undefined,
  };
}

function rowToJob(r: Selectable<PubJobRow>): Job {
  return {
    id: r.id,
    kind: r.kind,
    dedupeKey: r.dedupe_key ?? undefined,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    status: r.status as JobStatus,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    runAt: r.run_at,
    lockedBy: r.locked_by ?? undefined,
    lastError: r.last_error ?? undefined,
    created: r.created,
    updated: r.updated,
  };
}

function rowToAudit(r: Selectable<PubAuditRow>): AuditEntry {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    at: r.at,
    kind: r.kind,
    cause: r.cause,
    detail: r.detail,
    before: r.before === null ? undefined : (JSON.parse(r.before) as unknown),
    after: r.after === null ? undefined : (JSON.parse(r.after) as unknown),
  };
}
