// The publisher's records: what its services work with and its repository stores, in the domain's words.
import type { AadIdentifier } from '@saas-fulfillment/contract';

export type Provisioning = 'none' | 'pending' | 'done' | 'failed';

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

/** A verified webhook as it arrived: the fields acted on, and its body as sent. */
export interface WebhookReceipt {
  operationId: string;
  subscriptionId: string;
  action: string;
  payload: string;
}

/** One webhook as the inbox holds it: the first delivery, and how many came for the same operation. */
export interface InboxReceipt {
  operationId: string;
  action: string;
  receivedAt: string;
  deliveries: number;
}

/**
 * Where an hour of usage stands: `open` while records may still join it; once it is over it is priced
 * (`included` when the term's included quantity covers it, else `ready` to send), then `accepted` by the
 * marketplace (a duplicate answer counts: the hour was billed), `rejected` by a rule, or `expired`
 * because it was not sent within 24 hours.
 */
export type UsageHourStatus = 'open' | 'included' | 'ready' | 'accepted' | 'rejected' | 'expired';

export interface UsageHour {
  id: string;
  subscriptionId: string;
  dimension: string;
  hour: string;
  quantity: number;
  records: number;
  status: UsageHourStatus;
  planId: string | undefined;
  termStart: string | undefined;
  included: number;
  billable: number;
  attempts: number;
  nextAttemptAt: string | undefined;
  usageEventId: string | undefined;
  marketplaceStatus: string | undefined;
  acceptedQuantity: number | undefined;
  duplicate: boolean;
  lastError: string | undefined;
  sentAt: string | undefined;
  updated: string;
}
