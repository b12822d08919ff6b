// The publisher's migrations, forward only, each run once in order (store/src/database.ts): each is what
// one release changed in the tables of schema.ts, and never changes once released.
import { type Kysely, type Migration, sql } from 'kysely';

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
  // Exact quantities (issue 19): doubles lost units in sums; each quantity becomes whole millionths of a
  // unit. A value written before with more than six decimals is rounded to the nearest millionth.
  '0004_exact_quantities': {
    async up(db: AnyDb) {
      await replaceWithMicros(db, 'pub_usage_records', { quantity: 'quantity_micros' });
      await replaceWithMicros(db, 'pub_usage_hours', {
        quantity: 'quantity_micros',
        included: 'included_micros',
        billable: 'billable_micros',
        accepted_quantity: 'accepted_micros',
      });
    },
  },
  // Traces: a job keeps the trace context of the request or job that queued it.
  '0005_job_traces': {
    async up(db: AnyDb) {
      await db.schema.alterTable('pub_jobs').addColumn('trace_context', 'text').execute();
    },
  },
};

/** Adds an integer column of micros for each double column, fills it from the double, and drops the double. */
async function replaceWithMicros(db: AnyDb, table: string, columns: Record<string, string>): Promise<void> {
  for (const [double, micros] of Object.entries(columns)) {
    const nullable = double === 'accepted_quantity';
    await db.schema
      .alterTable(table)
      .addColumn(micros, 'bigint', (c) => (nullable ? c : c.notNull().defaultTo(0)))
      .execute();
    await sql`update ${sql.table(table)} set ${sql.ref(micros)} = cast(round(${sql.ref(double)} * 1000000) as bigint)`.execute(db);
    await db.schema.alterTable(table).dropColumn(double).execute();
  }
}
