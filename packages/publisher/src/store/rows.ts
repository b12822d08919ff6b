// Records to table rows and back, through the store's helpers for flags, JSON and NULL; the rows carry
// the records' unions, so nothing here casts.
import type { Selectable } from 'kysely';
import { fromColumn, fromFlag, fromJson, toColumn, toFlag, toJson } from '@saas-fulfillment/store';
import type { AuditEntry, LocalOperation, LocalSubscription, OutboundEvent } from '../model/subscription.js';
import type { PubAuditRow, PubEventRow, PubOperationRow, PubSubscriptionRow } from './schema.js';

export function subscriptionToRow(s: LocalSubscription): PubSubscriptionRow {
  return {
    id: s.id,
    publisher_id: s.publisherId,
    offer_id: s.offerId,
    plan_id: s.planId,
    quantity: toColumn(s.quantity),
    status: s.status,
    name: s.name,
    purchaser: toJson(s.purchaser),
    beneficiary: toJson(s.beneficiary),
    beneficiary_tenant: s.beneficiary.tenantId ?? null,
    term_unit: toColumn(s.termUnit),
    term_start: toColumn(s.termStart),
    term_end: toColumn(s.termEnd),
    auto_renew: toFlag(s.autoRenew),
    is_free_trial: toFlag(s.isFreeTrial),
    is_test: toFlag(s.isTest),
    version: s.version,
    provisioning: s.provisioning,
    provisioning_error: toColumn(s.provisioningError),
    activated_at: toColumn(s.activatedAt),
    created: s.created,
    updated: s.updated,
  };
}

export function rowToSubscription(r: Selectable<PubSubscriptionRow>): LocalSubscription {
  return {
    id: r.id,
    publisherId: r.publisher_id,
    offerId: r.offer_id,
    planId: r.plan_id,
    quantity: fromColumn(r.quantity),
    status: r.status,
    name: r.name,
    purchaser: fromJson(r.purchaser),
    beneficiary: fromJson(r.beneficiary),
    termUnit: fromColumn(r.term_unit),
    termStart: fromColumn(r.term_start),
    termEnd: fromColumn(r.term_end),
    autoRenew: fromFlag(r.auto_renew),
    isFreeTrial: fromFlag(r.is_free_trial),
    isTest: fromFlag(r.is_test),
    version: r.version,
    provisioning: r.provisioning,
    provisioningError: fromColumn(r.provisioning_error),
    activatedAt: fromColumn(r.activated_at),
    created: r.created,
    updated: r.updated,
  };
}

export function rowToOperation(r: Selectable<PubOperationRow>): LocalOperation {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    action: r.action,
    source: fromColumn(r.source),
    marketplaceStatus: r.marketplace_status,
    planId: fromColumn(r.plan_id),
    quantity: fromColumn(r.quantity),
    timeStamp: r.time_stamp,
    outcome: r.outcome,
    reason: fromColumn(r.reason),
    updated: r.updated,
  };
}

export function rowToEvent(r: Selectable<PubEventRow>): OutboundEvent {
  return {
    id: r.id,
    type: r.type,
    subscriptionId: r.subscription_id,
    payload: r.payload,
    status: r.status,
    attempts: Number(r.attempts),
    lastStatusCode: fromColumn(r.last_status_code),
    lastError: fromColumn(r.last_error),
    created: r.created,
    deliveredAt: fromColumn(r.delivered_at),
  };
}

export function auditToRow(entry: AuditEntry): PubAuditRow {
  return {
    id: entry.id,
    subscription_id: entry.subscriptionId,
    at: entry.at,
    kind: entry.kind,
    cause: entry.cause,
    detail: entry.detail,
    before: entry.before === undefined ? null : toJson(entry.before),
    after: entry.after === undefined ? null : toJson(entry.after),
  };
}

export function rowToAudit(r: Selectable<PubAuditRow>): AuditEntry {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    at: r.at,
    kind: r.kind,
    cause: r.cause,
    detail: r.detail,
    before: r.before === null ? undefined : fromJson(r.before),
    after: r.after === null ? undefined : fromJson(r.after),
  };
}

export function operationToRow(o: LocalOperation): PubOperationRow {
  return {
    id: o.id,
    subscription_id: o.subscriptionId,
    action: o.action,
    source: toColumn(o.source),
    marketplace_status: o.marketplaceStatus,
    plan_id: toColumn(o.planId),
    quantity: toColumn(o.quantity),
    time_stamp: o.timeStamp,
    outcome: o.outcome,
    reason: toColumn(o.reason),
    updated: o.updated,
  };
}
