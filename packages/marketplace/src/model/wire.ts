// Stored records in the spec's wire shapes: Subscription, SaaSOperation and the webhook payload.
import type { SaaSOperation, Subscription, WebhookPayload } from '@saas-fulfillment/contract';
import type { OperationRecord, SubscriptionRecord } from './subscriptions.js';

/** The SaaS resource's Azure resource id, as production's usage answers name it (`resourceUri`). */
export function resourceUriOf(s: Pick<SubscriptionRecord, 'azureSubscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${s.azureSubscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.SaaS/resources/${encodeURIComponent(s.name)}`;
}

/** The wire Subscription (spec shape) of a stored record. */
export function subscriptionToWire(s: SubscriptionRecord): Subscription {
  const term: Subscription['term'] = { termUnit: s.termUnit };
  if (s.termStart !== undefined) term.startDate = s.termStart;
  if (s.termEnd !== undefined) term.endDate = s.termEnd;
  const wire: Subscription = {
    id: s.id,
    publisherId: s.publisherId,
    offerId: s.offerId,
    name: s.name,
    saasSubscriptionStatus: s.status,
    beneficiary: s.beneficiary,
    purchaser: s.purchaser,
    planId: s.planId,
    term,
    autoRenew: s.autoRenew,
    isTest: s.isTest,
    isFreeTrial: s.isFreeTrial,
    allowedCustomerOperations: s.allowedCustomerOperations,
    sandboxType: s.sandboxType,
    sessionMode: s.sessionMode,
    created: s.created,
    lastModified: s.lastModified,
  };
  if (s.quantity !== undefined) wire.quantity = s.quantity;
  return wire;
}

export function operationToWire(o: OperationRecord): SaaSOperation {
  const wire: SaaSOperation = {
    id: o.id,
    activityId: o.activityId,
    subscriptionId: o.subscriptionId,
    offerId: o.offerId,
    publisherId: o.publisherId,
    planId: o.planId,
    action: o.action,
    timeStamp: o.timeStamp,
    status: o.status,
    operationRequestSource: o.source,
  };
  if (o.quantity !== undefined) wire.quantity = o.quantity;
  if (o.errorMessage !== undefined) wire.errorMessage = o.errorMessage;
  return wire;
}

/** The webhook body: the operation, plus a snapshot of the subscription when it was sent. */
export function webhookPayload(operation: OperationRecord, subscription: SubscriptionRecord): WebhookPayload {
  const payload: WebhookPayload = {
    id: operation.id,
    activityId: operation.activityId,
    publisherId: operation.publisherId,
    offerId: operation.offerId,
    planId: operation.planId,
    subscriptionId: operation.subscriptionId,
    timeStamp: operation.timeStamp,
    action: operation.action,
    status: operation.status,
    operationRequestSource: operation.source,
    subscription: subscriptionToWire(subscription),
    purchaseToken: null,
  };
  if (operation.quantity !== undefined) payload.quantity = operation.quantity;
  return payload;
}
