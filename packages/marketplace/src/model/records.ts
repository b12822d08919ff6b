// The emulator's records: what its services work with and its repository stores. Plain data, in the
// domain's words; the wire shapes are made from them in wire.ts, the table rows in store/rows.ts.
import type {
  AadIdentifier,
  CustomerOperation,
  OperationAction,
  OperationRequestSource,
  OperationStatus,
  SubscriptionStatus,
  TermUnit,
} from '@saas-fulfillment/contract';

export interface SubscriptionRecord {
  id: string;
  publisherId: string;
  offerId: string;
  planId: string;
  quantity: number | undefined;
  name: string;
  status: SubscriptionStatus;
  beneficiary: AadIdentifier;
  purchaser: AadIdentifier;
  termUnit: TermUnit;
  termStart: string | undefined;
  termEnd: string | undefined;
  autoRenew: boolean;
  isTest: boolean;
  isFreeTrial: boolean;
  allowedCustomerOperations: CustomerOperation[];
  sandboxType: 'None' | 'Csp';
  sessionMode: 'None' | 'DryRun';
  created: string;
  lastModified: string;
  suspendedAt: string | undefined;
}

export interface OperationRecord {
  id: string;
  subscriptionId: string;
  publisherId: string;
  offerId: string;
  activityId: string;
  action: OperationAction;
  status: OperationStatus;
  planId: string;
  quantity: number | undefined;
  source: OperationRequestSource;
  timeStamp: string;
  completesAt: string | undefined;
  errorMessage: string | undefined;
}

export type DeliveryStatus = 'Pending' | 'Delivered' | 'Rejected' | 'Abandoned';

export interface DeliveryRecord {
  id: string;
  operationId: string;
  subscriptionId: string;
  publisherId: string;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | undefined;
  lastError: string | undefined;
  lastLatencyMs: number | undefined;
  created: string;
  finishedAt: string | undefined;
}

/** How the built-in inbox answers a delivery. */
export type InboxAnswer = 'ok' | 'reject' | 'timeout' | 'patch-success' | 'patch-failure';

export interface InboxEntry {
  id: string;
  publisherId: string;
  receivedAt: string;
  operationId: string | undefined;
  subscriptionId: string | undefined;
  action: string | undefined;
  payload: string;
  /** Why the delivery's bearer token was refused; undefined when it verified. */
  refusedBecause: string | undefined;
  answer: InboxAnswer;
  statusCode: number | undefined;
  acknowledgement: string | undefined;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  statusCode: number | undefined;
  error: string | undefined;
  latencyMs: number;
}

/** A usage event the metering service accepted: the one for its resource, dimension and hour. */
export interface UsageEventRecord {
  usageEventId: string;
  publisherId: string;
  resourceId: string;
  offerId: string;
  planId: string;
  dimension: string;
  /** The calendar hour (UTC) the event bills. */
  hour: string;
  effectiveStartTime: string;
  quantity: number;
  messageTime: string;
}

/** Accepted usage of one resource, dimension and plan on one day, as GET /usageEvents reports it. */
export interface DailyUsage {
  day: string;
  resourceId: string;
  offerId: string;
  planId: string;
  dimension: string;
  quantity: number;
  events: number;
  lastMessageTime: string;
}
