// Records to table rows and back. Rows carry the records' unions, so nothing here casts; booleans,
// optional values and JSON columns go through the store's helpers, alike on both dialects.
import type { Selectable } from 'kysely';
import { fromColumn, fromFlag, fromJson, toColumn, toFlag, toJson } from '@saas-fulfillment/store';
import type { DeliveryRecord, InboxEntry } from '../model/webhooks.js';
import type { OperationRecord, SubscriptionRecord } from '../model/subscriptions.js';
import { subscriptionToWire } from '../model/wire.js';
import type { DeliveryRow, InboxRow, OperationRow, SubscriptionRow } from './schema.js';

export function subscriptionToRow(s: SubscriptionRecord): SubscriptionRow {
  return {
    id: s.id,
    publisher_id: s.publisherId,
    offer_id: s.offerId,
    plan_id: s.planId,
    quantity: toColumn(s.quantity),
    name: s.name,
    status: s.status,
    beneficiary: toJson(s.beneficiary),
    purchaser: toJson(s.purchaser),
    term_unit: s.termUnit,
    term_start: toColumn(s.termStart),
    term_end: toColumn(s.termEnd),
    auto_renew: toFlag(s.autoRenew),
    is_test: toFlag(s.isTest),
    is_free_trial: toFlag(s.isFreeTrial),
    allowed_operations: toJson(s.allowedCustomerOperations),
    sandbox_type: s.sandboxType,
    session_mode: s.sessionMode,
    created: s.created,
    last_modified: s.lastModified,
    suspended_at: toColumn(s.suspendedAt),
    azure_subscription_id: s.azureSubscriptionId,
    resource_group: s.resourceGroup,
    doc: JSON.stringify(subscriptionToWire(s)),
  };
}

export function rowToSubscription(r: Selectable<SubscriptionRow>): SubscriptionRecord {
  return {
    id: r.id,
    publisherId: r.publisher_id,
    offerId: r.offer_id,
    planId: r.plan_id,
    quantity: fromColumn(r.quantity),
    name: r.name,
    status: r.status,
    beneficiary: fromJson(r.beneficiary),
    purchaser: fromJson(r.purchaser),
    termUnit: r.term_unit,
    termStart: fromColumn(r.term_start),
    termEnd: fromColumn(r.term_end),
    autoRenew: fromFlag(r.auto_renew),
    isTest: fromFlag(r.is_test),
    isFreeTrial: fromFlag(r.is_free_trial),
    allowedCustomerOperations: fromJson(r.allowed_operations),
    sandboxType: r.sandbox_type,
    sessionMode: r.session_mode,
    created: r.created,
    lastModified: r.last_modified,
    suspendedAt: fromColumn(r.suspended_at),
    azureSubscriptionId: r.azure_subscription_id ?? r.id,
    resourceGroup: r.resource_group ?? 'rg-saas',
  };
}

export function operationToRow(o: OperationRecord): OperationRow {
  return {
    id: o.id,
    subscription_id: o.subscriptionId,
    publisher_id: o.publisherId,
    offer_id: o.offerId,
    activity_id: o.activityId,
    action: o.action,
    status: o.status,
    plan_id: o.planId,
    quantity: toColumn(o.quantity),
    source: o.source,
    time_stamp: o.timeStamp,
    completes_at: toColumn(o.completesAt),
    error_message: toColumn(o.errorMessage),
  };
}

export function rowToOperation(r: Selectable<OperationRow>): OperationRecord {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    publisherId: r.publisher_id,
    offerId: r.offer_id,
    activityId: r.activity_id,
    action: r.action,
    status: r.status,
    planId: r.plan_id,
    quantity: fromColumn(r.quantity),
    source: r.source,
    timeStamp: r.time_stamp,
    completesAt: fromColumn(r.completes_at),
    errorMessage: fromColumn(r.error_message),
  };
}

export function deliveryToRow(d: DeliveryRecord): DeliveryRow {
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
    last_status_code: toColumn(d.lastStatusCode),
    last_error: toColumn(d.lastError),
    last_latency_ms: d.lastLatencyMs === undefined ? null : Math.round(d.lastLatencyMs),
    created: d.created,
    finished_at: toColumn(d.finishedAt),
  };
}

export function inboxToRow(e: InboxEntry): InboxRow {
  return {
    id: e.id,
    publisher_id: e.publisherId,
    received_at: e.receivedAt,
    operation_id: toColumn(e.operationId),
    subscription_id: toColumn(e.subscriptionId),
    action: toColumn(e.action),
    payload: e.payload,
    refused_because: toColumn(e.refusedBecause),
    answer: e.answer,
    status_code: toColumn(e.statusCode),
    acknowledgement: toColumn(e.acknowledgement),
  };
}

export function rowToInbox(r: Selectable<InboxRow>): InboxEntry {
  return {
    id: r.id,
    publisherId: r.publisher_id,
    receivedAt: r.received_at,
    operationId: fromColumn(r.operation_id),
    subscriptionId: fromColumn(r.subscription_id),
    action: fromColumn(r.action),
    payload: r.payload,
    refusedBecause: fromColumn(r.refused_because),
    answer: r.answer,
    statusCode: fromColumn(r.status_code),
    acknowledgement: fromColumn(r.acknowledgement),
  };
}

export function rowToDelivery(r: Selectable<DeliveryRow>): DeliveryRecord {
  return {
    id: r.id,
    operationId: r.operation_id,
    subscriptionId: r.subscription_id,
    publisherId: r.publisher_id,
    url: r.url,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: fromColumn(r.last_status_code),
    lastError: fromColumn(r.last_error),
    lastLatencyMs: fromColumn(r.last_latency_ms),
    created: r.created,
    finishedAt: fromColumn(r.finished_at),
  };
}
