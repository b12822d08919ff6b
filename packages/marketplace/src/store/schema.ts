// The emulator's tables and their migrations; one schema for SQLite and PostgreSQL (text timestamps in
// ISO 8601 UTC, which sort as time does; integers for booleans; JSON as text).
import type {
  AadIdentifier,
  CustomerOperation,
  OperationAction,
  OperationRequestSource,
  OperationStatus,
  SubscriptionStatus,
  TermUnit,
} from '@saas-fulfillment/contract';
import type { Json } from '@saas-fulfillment/store';
import { sql, type Kysely, type Migration } from 'kysely';
import type { DeliveryStatus, InboxAnswer } from '../model/webhooks.js';

export interface SubscriptionRow {
  id: string;
  publisher_id: string;
  offer_id: string;
  plan_id: string;
  quantity: number | null;
  name: string;
  status: SubscriptionStatus;
  beneficiary: Json<AadIdentifier>;
  purchaser: Json<AadIdentifier>;
  term_unit: TermUnit;
  term_start: string | null;
  term_end: string | null;
  auto_renew: number;
  is_test: number;
  is_free_trial: number;
  allowed_operations: Json<CustomerOperation[]>;
  sandbox_type: 'None' | 'Csp';
  session_mode: 'None' | 'DryRun';
  created: string;
  last_modified: string;
  suspended_at: string | null;
  azure_subscription_id: string | null;
  resource_group: string | null;
  /** The subscription as the API returns it (JSON), kept in step with the columns on every write. */
  doc: string;
}

interface LandingTokenRow {
  token_hash: string;
  subscription_id: string;
  expires_at: string;
}

export interface OperationRow {
  id: string;
  subscription_id: string;
  publisher_id: string;
  offer_id: string;
  activity_id: string;
  action: OperationAction;
  status: OperationStatus;
  plan_id: string;
  quantity: number | null;
  source: OperationRequestSource;
  time_stamp: string;
  /** When an InProgress operation completes by itself (acknowledgement window, Partner changes). */
  completes_at: string | null;
  error_message: string | null;
}

export interface DeliveryRow {
  id: string;
  operation_id: string;
  subscription_id: string;
  publisher_id: string;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  created: string;
  finished_at: string | null;
}

interface DeliveryAttemptRow {
  delivery_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
}

export interface InboxRow {
  id: string;
  publisher_id: string;
  received_at: string;
  operation_id: string | null;
  subscription_id: string | null;
  action: string | null;
  payload: string;
  /** Why the bearer token was refused; null when it was valid. */
  refused_because: string | null;
  answer: InboxAnswer;
  status_code: number | null;
  /** What came of the acknowledgement the inbox sent (PATCH of the operation), if any. */
  acknowledgement: string | null;
}

export interface UsageEventRow {
  usage_event_id: string;
  publisher_id: string;
  resource_id: string;
  offer_id: string;
  plan_id: string;
  dimension: string;
  /** The calendar hour (UTC, ISO 8601) of effective_start_time: one accepted event per resource, dimension and hour. */
  hour: string;
  effective_start_time: string;
  quantity: number;
  message_time: string;
}

interface SettingRow {
  key: string;
  value: string;
}

export interface MarketplaceTables {
  mp_subscriptions: SubscriptionRow;
  mp_landing_tokens: LandingTokenRow;
  mp_operations: OperationRow;
  mp_webhook_deliveries: DeliveryRow;
  mp_webhook_attempts: DeliveryAttemptRow;
  mp_inbox: InboxRow;
  mp_usage_events: UsageEventRow;
  mp_settings: SettingRow;
}

// Migrations see the schema as it was when they were written, not today's table types.
type AnyDb = Kysely<unknown>;

/** The subscriptions, and the landing tokens that resolve to them. */
async function createSubscriptionTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('mp_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('publisher_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('beneficiary', 'text', (c) => c.notNull())
    .addColumn('purchaser', 'text', (c) => c.notNull())
    .addColumn('term_unit', 'text', (c) => c.notNull())
    .addColumn('term_start', 'text')
    .addColumn('term_end', 'text')
    .addColumn('auto_renew', 'integer', (c) => c.notNull())
    .addColumn('is_test', 'integer', (c) => c.notNull())
    .addColumn('is_free_trial', 'integer', (c) => c.notNull())
    .addColumn('allowed_operations', 'text', (c) => c.notNull())
    .addColumn('sandbox_type', 'text', (c) => c.notNull())
    .addColumn('session_mode', 'text', (c) => c.notNull())
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .addColumn('suspended_at', 'text')
    .addColumn('doc', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mp_subscriptions_publisher').on('mp_subscriptions').columns(['publisher_id', 'id']).execute();
  await db.schema.createIndex('mp_subscriptions_status').on('mp_subscriptions').columns(['status', 'term_end']).execute();

  await db.schema
    .createTable('mp_landing_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('mp_subscriptions.id'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

/** Operations, found by subscription and by when they are due. */
async function createOperationTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('mp_operations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('mp_subscriptions.id'))
    .addColumn('publisher_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('activity_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('time_stamp', 'text', (c) => c.notNull())
    .addColumn('completes_at', 'text')
    .addColumn('error_message', 'text')
    .execute();
  await db.schema.createIndex('mp_operations_subscription').on('mp_operations').columns(['subscription_id', 'time_stamp']).execute();
  await db.schema.createIndex('mp_operations_due').on('mp_operations').columns(['status', 'completes_at']).execute();
}

/** Webhook deliveries, with a row per attempt. */
async function createDeliveryTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('mp_webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('operation_id', 'text', (c) => c.notNull().references('mp_operations.id'))
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('publisher_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('last_latency_ms', 'integer')
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('mp_webhook_deliveries_due').on('mp_webhook_deliveries').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('mp_webhook_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('mp_webhook_deliveries.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('mp_webhook_attempts_pk', ['delivery_id', 'attempt'])
    .execute();
}

/** Settings the emulator keeps between starts: its signing key, the clock's offset, endpoints set at run time. */
async function createSettingsTable(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('mp_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export const marketplaceMigrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: AnyDb) {
      await createSubscriptionTables(db);
      await createOperationTables(db);
      await createDeliveryTables(db);
      await createSettingsTable(db);
    },
  },
  '0002_inbox': {
    async up(db: AnyDb) {
      // What the built-in webhook inbox received, when a publisher has no connection webhook of its own.
      await db.schema
        .createTable('mp_inbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('publisher_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('operation_id', 'text')
        .addColumn('subscription_id', 'text')
        .addColumn('action', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('refused_because', 'text')
        .addColumn('answer', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('acknowledgement', 'text')
        .execute();
      await db.schema.createIndex('mp_inbox_received').on('mp_inbox').columns(['received_at']).execute();
    },
  },
  '0003_usage_events': {
    async up(db: AnyDb) {
      // Accepted metering events; the unique key is the marketplace's duplicate rule.
      await db.schema
        .createTable('mp_usage_events')
        .addColumn('usage_event_id', 'text', (c) => c.primaryKey())
        .addColumn('publisher_id', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull().references('mp_subscriptions.id'))
        .addColumn('offer_id', 'text', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('hour', 'text', (c) => c.notNull())
        .addColumn('effective_start_time', 'text', (c) => c.notNull())
        .addColumn('quantity', 'double precision', (c) => c.notNull())
        .addColumn('message_time', 'text', (c) => c.notNull())
        .addUniqueConstraint('mp_usage_events_hour', ['resource_id', 'dimension', 'hour'])
        .execute();
      await db.schema.createIndex('mp_usage_events_publisher').on('mp_usage_events').columns(['publisher_id', 'hour']).execute();
    },
  },
  // The Azure subscription and resource group of each SaaS resource, for the resourceUri and the
  // azureSubscriptionId production answers carry; subscriptions bought before get made-up ones.
  '0004_azure_resource': {
    async up(db: AnyDb) {
      await db.schema.alterTable('mp_subscriptions').addColumn('azure_subscription_id', 'text').execute();
      await db.schema.alterTable('mp_subscriptions').addColumn('resource_group', 'text').execute();
      await sql`update mp_subscriptions set azure_subscription_id = id, resource_group = 'rg-saas'`.execute(db);
    },
  },
};
