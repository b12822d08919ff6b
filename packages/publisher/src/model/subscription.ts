// The publisher's records of subscriptions: the local copy of each, the operations seen, the audit log and
// the events to the vendor's app; what its services work with and its repository stores, in the domain's words.
import { AadIdentifier, StringEnum } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { JobRecord } from './jobs.js';
import { InboxReceipt } from './webhooks.js';

export const Provisioning = StringEnum(['none', 'pending', 'done', 'failed']);
export type Provisioning = Type.Static<typeof Provisioning>;

/** The local copy of a subscription: the marketplace's fields, and what the publisher made of it. */
export const LocalSubscription = Type.Object({
  id: Type.String(),
  publisherId: Type.String(),
  offerId: Type.String(),
  planId: Type.String(),
  quantity: Type.Optional(Type.Integer()),
  /** The marketplace's status; may be a value newer than this code knows. */
  status: Type.String(),
  name: Type.String(),
  purchaser: AadIdentifier,
  beneficiary: AadIdentifier,
  termUnit: Type.Optional(Type.String()),
  termStart: Type.Optional(Type.String()),
  termEnd: Type.Optional(Type.String()),
  autoRenew: Type.Boolean(),
  isFreeTrial: Type.Boolean(),
  isTest: Type.Boolean(),
  /** The marketplace's lastModified this copy was made from: an older snapshot never replaces it. */
  version: Type.String(),
  provisioning: Provisioning,
  provisioningError: Type.Optional(Type.String()),
  activatedAt: Type.Optional(Type.String()),
  created: Type.String(),
  updated: Type.String(),
});
export type LocalSubscription = Type.Static<typeof LocalSubscription>;

export const OperationOutcome = StringEnum(['received', 'requested', 'accepted', 'rejected', 'applied', 'ignored', 'failed']);
export type OperationOutcome = Type.Static<typeof OperationOutcome>;

/** An operation the marketplace reported, and what we made of it. */
export const LocalOperation = Type.Object({
  id: Type.String(),
  subscriptionId: Type.String(),
  action: Type.String(),
  source: Type.Optional(Type.String()),
  marketplaceStatus: Type.String(),
  planId: Type.Optional(Type.String()),
  quantity: Type.Optional(Type.Integer()),
  timeStamp: Type.String(),
  outcome: OperationOutcome,
  reason: Type.Optional(Type.String()),
  updated: Type.String(),
});
export type LocalOperation = Type.Static<typeof LocalOperation>;

/** One line of a subscription's audit log: what changed, why, from what to what. */
export const AuditEntry = Type.Object({
  id: Type.String(),
  subscriptionId: Type.String(),
  at: Type.String(),
  kind: Type.String(),
  cause: Type.String(),
  detail: Type.String(),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
});
export type AuditEntry = Type.Static<typeof AuditEntry>;

/** An event to the vendor's application and how its delivery went. */
export const OutboundEvent = Type.Object({
  id: Type.String(),
  type: Type.String(),
  subscriptionId: Type.String(),
  payload: Type.String(),
  status: StringEnum(['pending', 'delivered', 'failed']),
  attempts: Type.Integer(),
  lastStatusCode: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  created: Type.String(),
  deliveredAt: Type.Optional(Type.String()),
});
export type OutboundEvent = Type.Static<typeof OutboundEvent>;

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
export const SubscriptionTimeline = Type.Object({
  subscription: LocalSubscription,
  operations: Type.Array(LocalOperation),
  audit: Type.Array(AuditEntry),
  webhooks: Type.Array(InboxReceipt),
  events: Type.Array(OutboundEvent),
  jobs: Type.Array(JobRecord),
});
export type SubscriptionTimeline = Type.Static<typeof SubscriptionTimeline>;

/** One page of subscriptions found by a search, and how many match in all. */
export const SubscriptionPage = Type.Object({
  items: Type.Array(LocalSubscription),
  total: Type.Integer(),
  pageNumber: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
});
export type SubscriptionPage = Type.Static<typeof SubscriptionPage>;
