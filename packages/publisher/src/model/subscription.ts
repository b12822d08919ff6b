// The publisher's records of subscriptions: the local copy of each, the operations seen, the audit log and
// the events to the vendor's app; what its services work with and its repository stores, in the domain's words.
import type { AadIdentifier } from '@saas-fulfillment/contract';
import type { JobRecord } from './jobs.js';
import type { InboxReceipt } from './webhooks.js';

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

/** A change the publisher asks the marketplace for (console or admin API): a plan, a seat count, or cancellation. */
export type PublisherChange = { planId: string } | { quantity: number } | 'cancel';

/** Everything known about one subscription, for its page and the JSON API. */
export interface SubscriptionTimeline {
  subscription: LocalSubscription;
  operations: LocalOperation[];
  audit: AuditEntry[];
  webhooks: InboxReceipt[];
  events: OutboundEvent[];
  jobs: JobRecord[];
}

/** One page of subscriptions found by a search, and how many match in all. */
export interface SubscriptionPage {
  items: LocalSubscription[];
  total: number;
  pageNumber: number;
  offset: number;
  limit: number;
}
