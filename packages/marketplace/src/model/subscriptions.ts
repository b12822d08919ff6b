// The emulator's records of subscriptions and their operations: what its services work with and its
// repository stores, in the domain's words; the wire shapes are made from them in wire.ts, the table rows
// in store/rows.ts.
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
  /** The Azure subscription and resource group the SaaS resource was created in (its resourceUri names them). */
  azureSubscriptionId: string;
  resourceGroup: string;
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
