// The emulator's records of subscriptions and their operations: what its services work with, its
// repository stores and a state snapshot carries, in the domain's words; the wire shapes are made from
// them in wire.ts, the table rows in store/rows.ts. Schemas, so that a snapshot is checked on import.
import {
  AadIdentifier,
  Int32,
  OperationAction,
  OperationRequestSource,
  OperationStatus,
  Subscription,
  SubscriptionStatus,
  TermUnit,
  Uuid,
} from '@saas-fulfillment/contract';
import Type from 'typebox';

/**
 * An instant as the emulator stores it: ISO 8601 in UTC with milliseconds, the one spelling whose text
 * order is time order (the stores compare these as text).
 */
export const StoredTime = Type.String({ format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' });

const Name = Type.String({ minLength: 1, maxLength: 50 });
/** A seat count: what the tables' integer columns hold (PostgreSQL's `integer` is 32 bits). */
const Seats = Type.Optional(Int32({ minimum: 1 }));
/** What the record holds as the API shows it. */
const { autoRenew, isTest, isFreeTrial, allowedCustomerOperations, sandboxType, sessionMode } = Subscription.properties;

export const SubscriptionRecord = Type.Object({
  id: Uuid,
  publisherId: Name,
  offerId: Name,
  planId: Name,
  quantity: Seats,
  name: Type.String({ maxLength: 500 }),
  status: SubscriptionStatus,
  beneficiary: AadIdentifier,
  purchaser: AadIdentifier,
  termUnit: TermUnit,
  termStart: Type.Optional(StoredTime),
  termEnd: Type.Optional(StoredTime),
  autoRenew,
  isTest,
  isFreeTrial,
  allowedCustomerOperations,
  sandboxType,
  sessionMode,
  created: StoredTime,
  lastModified: StoredTime,
  suspendedAt: Type.Optional(StoredTime),
  /** The Azure subscription and resource group the SaaS resource was created in (its resourceUri names them). */
  azureSubscriptionId: Type.String({ minLength: 1, maxLength: 100 }),
  resourceGroup: Type.String({ minLength: 1, maxLength: 90 }),
});
export type SubscriptionRecord = Type.Static<typeof SubscriptionRecord>;

export const OperationRecord = Type.Object({
  id: Uuid,
  subscriptionId: Uuid,
  publisherId: Name,
  offerId: Name,
  activityId: Type.String({ minLength: 1, maxLength: 100 }),
  action: OperationAction,
  status: OperationStatus,
  planId: Name,
  quantity: Seats,
  source: OperationRequestSource,
  timeStamp: StoredTime,
  /** When an InProgress operation completes by itself (acknowledgement window, Partner changes). */
  completesAt: Type.Optional(StoredTime),
  errorMessage: Type.Optional(Type.String()),
});
export type OperationRecord = Type.Static<typeof OperationRecord>;
