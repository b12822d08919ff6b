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

/** One webhook as the inbox holds it: the first delivery, and how many came for the same operation. */
export interface InboxReceipt {
  operationId: string;
  action: string;
  receivedAt: string;
  deliveries: number;
}
