// The publisher's tables and migrations (one schema for SQLite and PostgreSQL): subscriptions as we know
// them, the operations we saw, the webhook inbox, the jobs queue, the audit log, outbound events and sessions.
import type { AadIdentifier } from '@saas-fulfillment/contract';
import type { Json } from '@saas-fulfillment/store';
import type { Kysely, Migration } from 'kysely';
import type { JobStatus } from '../model/jobs.js';
import type { UsageHourStatus } from '../model/metering.js';
import type { OperationOutcome, OutboundEvent, Provisioning } from '../model/subscription.js';

export interface PubSubscriptionRow {
  id: string;
  publisher_id: string;
  offer_id: string;
  plan_id: string;
  quantity: number | null;
  status: string;
  name: string;
  purchaser: Json<AadIdentifier>;
  beneficiary: Json<AadIdentifier>;
  beneficiary_tenant: string | null;
  term_unit: string | null;
  term_start: string | null;
  term_end: string | null;
  auto_renew: number;
  is_free_trial: number;
  is_test: number;
  /** Marketplace version of the state we hold (its lastModified, else the newest operation time): never moves back. */
  version: string;
  provisioning: Provisioning;
  provisioning_error: string | null;
  activated_at: string | null;
  created: string;
  updated: string;
}

export interface PubOperationRow {
  id: string;
  subscription_id: string;
  action: string;
  source: string | null;
  marketplace_status: string;
  plan_id: string | null;
  quantity: number | null;
  time_stamp: string;
  outcome: OperationOutcome;
  reason: string | null;
  updated: string;
}

interface PubInboxRow {
  operation_id: string;
  subscription_id: string;
  action: string;
  received_at: string;
  deliveries: number;
  payload: string;
}

export interface PubJobRow {
  id: string;
  kind: string;
  dedupe_key: string | null;
  payload: Json<unknown>;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created: string;
  updated: string;
}

export interface PubAuditRow {
  id: string;
  subscription_id: string;
  at: string;
  kind: string;
  cause: string;
  detail: string;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
}

export interface PubEventRow {
  id: string;
  type: string;
  subscription_id: string;
  payload: string;
  status: OutboundEvent['status'];
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created: string;
  delivered_at: string | null;
}

interface PubSettingRow {
  key: string;
  value: string;
}

interface PubSessionRow {
  /** The session id the signed cookie carries. */
  id: string;
  /** The session's data (who signed in, and how) as @fastify/session keeps it. */
  data: Json<unknown>;
  expires_at: string;
  /** Whose console session it is (`password:<credential>` or `entra:<email>`), so it can be revoked; NULL for a buyer's. */
  admin: string | null;
}

/** One usage record as the vendor's application reported it, and the hour it is billed in. */
export interface PubUsageRecordRow {
  id: string;
  subscription_id: string;
  dimension: string;
  quantity: number;
  /** When the usage happened, as reported. */
  occurred_at: string;
  /** The hour the record is billed in: its own, or the open hour it was carried into (a late record). */
  billing_hour: string;
  idempotency_key: string | null;
  received_at: string;
  /** Which key reported it: `app`, or `tenant:<tenant id>`. */
  source: string;
}

/** One subscription, dimension and hour: the running total, then what was sent for it and the answer. */
export interface PubUsageHourRow {
  id: string;
  subscription_id: string;
  dimension: string;
  hour: string;
  quantity: number;
  records: number;
  status: UsageHourStatus;
  plan_id: string | null;
  /** Start of the billing term the hour falls in (its included quantities). */
  term_start: string | null;
  /** What the term's included quantity covered, and what is left to bill. */
  included: number;
  billable: number;
  attempts: number;
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  usage_event_id: string | null;
  marketplace_status: string | null;
  accepted_quantity: number | null;
  duplicate: number;
  last_error: string | null;
  sent_at: string | null;
  updated: string;
}

export interface PublisherTables {
  pub_subscriptions: PubSubscriptionRow;
  pub_operations: PubOperationRow;
  pub_webhook_inbox: PubInboxRow;
  pub_jobs: PubJobRow;
  pub_audit: PubAuditRow;
  pub_events: PubEventRow;
  pub_settings: PubSettingRow;
  pub_sessions: PubSessionRow;
  pub_usage_records: PubUsageRecordRow;
  pub_usage_hours: PubUsageHourRow;
}

type AnyDb = Kysely<unknown>;

/** The local copy of the subscriptions and their operations. */
async function createSubscriptionTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('pub_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('publisher_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('purchaser', 'text', (c) => c.notNull())
    .addColumn('beneficiary', 'text', (c) => c.notNull())
    .addColumn('beneficiary_tenant', 'text')
    .addColumn('term_unit', 'text')
    .addColumn('term_start', 'text')
    .addColumn('term_end', 'text')
    .addColumn('auto_renew', 'integer', (c) => c.notNull())
    .addColumn('is_free_trial', 'integer', (c) => c.notNull())
    .addColumn('is_test', 'integer', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('provisioning', 'text', (c) => c.notNull())
    .addColumn('provisioning_error', 'text')
    .addColumn('activated_at', 'text')
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('updated', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pub_subscriptions_tenant').on('pub_subscriptions').column('beneficiary_tenant').execute();
  await db.schema.createIndex('pub_subscriptions_status').on('pub_subscriptions').columns(['status', 'updated']).execute();

  await db.schema
    .createTable('pub_operations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('marketplace_status', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'text')
    .addColumn('quantity', 'integer')
    .addColumn('time_stamp', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('updated', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pub_operations_subscription').on('pub_operations').columns(['subscription_id', 'time_stamp']).execute();
}

/** The webhook inbox, and the job queue that works it off. */
async function createWorkTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('pub_webhook_inbox')
    .addColumn('operation_id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('deliveries', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pub_webhook_inbox_subscription').on('pub_webhook_inbox').columns(['subscription_id', 'received_at']).execute();

  await db.schema
    .createTable('pub_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('updated', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pub_jobs_due').on('pub_jobs').columns(['status', 'run_at']).execute();
}

/** The audit log, and the events sent to the vendor's app. */
async function createRecordTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('pub_audit')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .execute();
  await db.schema.createIndex('pub_audit_subscription').on('pub_audit').columns(['subscription_id', 'at']).execute();
  await db.schema.createIndex('pub_audit_kind').on('pub_audit').columns(['kind', 'at']).execute();

  await db.schema
    .createTable('pub_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
}

/** Settings the publisher keeps between starts. */
async function createSettingsTable(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('pub_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export const publisherMigrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: AnyDb) {
      await createSubscriptionTables(db);
      await createWorkTables(db);
      await createRecordTables(db);
      await createSettingsTable(db);
    },
  },
  // Server-side sessions: signing out, or a changed password or admin list, ends a session for good.
  '0002_sessions': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('pub_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('admin', 'text')
        .execute();
      await db.schema.createIndex('pub_sessions_expiry').on('pub_sessions').column('expires_at').execute();
    },
  },
  // Metering: usage records as reported, and per subscription, dimension and hour the total and its billing.
  '0003_metering': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('pub_usage_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('quantity', 'double precision', (c) => c.notNull())
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .addColumn('billing_hour', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text')
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .execute();
      // The idempotency key is the caller's, per subscription: a record sent twice is stored once. The
      // index also serves a subscription's records; no other index slows the inserts down.
      await db.schema.createIndex('pub_usage_records_key').on('pub_usage_records').columns(['subscription_id', 'idempotency_key']).unique().execute();

      await db.schema
        .createTable('pub_usage_hours')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('hour', 'text', (c) => c.notNull())
        .addColumn('quantity', 'double precision', (c) => c.notNull())
        .addColumn('records', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('plan_id', 'text')
        .addColumn('term_start', 'text')
        .addColumn('included', 'double precision', (c) => c.notNull())
        .addColumn('billable', 'double precision', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('usage_event_id', 'text')
        .addColumn('marketplace_status', 'text')
        .addColumn('accepted_quantity', 'double precision')
        .addColumn('duplicate', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('sent_at', 'text')
        .addColumn('updated', 'text', (c) => c.notNull())
        .addUniqueConstraint('pub_usage_hours_key', ['subscription_id', 'dimension', 'hour'])
        .execute();
      await db.schema.createIndex('pub_usage_hours_status').on('pub_usage_hours').columns(['status', 'hour']).execute();
    },
  },
};
