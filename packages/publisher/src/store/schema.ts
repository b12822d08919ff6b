// The publisher's tables (one schema for SQLite and PostgreSQL): subscriptions as we know them, the
// operations we saw, the webhook inbox, the jobs queue, the audit log, outbound events, sessions and usage.
// The migrations that build them are in migrations.ts.
import type { AadIdentifier } from '@saas-fulfillment/contract';
import type { Json } from '@saas-fulfillment/store';
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
  /** The W3C traceparent of the work that queued it: its run continues that trace, after a restart too. */
  trace_context: string | null;
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
  /** The quantity in millionths of a unit (contract's quantity.ts): integers add exactly. */
  quantity_micros: number;
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
  /** The hour's total in millionths of a unit, as every quantity of this table. */
  quantity_micros: number;
  records: number;
  status: UsageHourStatus;
  plan_id: string | null;
  /** Start of the billing term the hour falls in (its included quantities). */
  term_start: string | null;
  /** What the term's included quantity covered, and what is left to bill. */
  included_micros: number;
  billable_micros: number;
  attempts: number;
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  usage_event_id: string | null;
  marketplace_status: string | null;
  accepted_micros: number | null;
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
