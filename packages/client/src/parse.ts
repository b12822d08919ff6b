// Lenient reading of marketplace answers. Microsoft adds fields and enum values without notice and its
// samples show quantities as strings, "" or null, and padded statuses: every field is kept, known quirks
// are smoothed, and nothing unknown is fatal. Enum-typed fields may hold values newer than this library
// (a term unit `PAY`, an action `Transfer`): they are kept as sent and reported to the caller.
import {
  CUSTOMER_OPERATIONS,
  OPERATION_ACTIONS,
  OPERATION_STATUSES,
  SUBSCRIPTION_STATUSES,
  TERM_UNITS,
  type ResolvedSubscription,
  type SaaSOperation,
  type Subscription,
  type SubscriptionPlans,
} from '@saas-fulfillment/contract';

type Json = Record<string, unknown>;

/** Told of each enum value the answer holds that this library does not know (it is kept as sent). */
export type UnknownValueReport = (field: string, value: unknown) => void;

const ignore: UnknownValueReport = () => {};

/** The enum-typed fields of each shape and the values this library knows for them. */
const KNOWN: Record<string, readonly string[]> = {
  saasSubscriptionStatus: SUBSCRIPTION_STATUSES,
  termUnit: TERM_UNITS,
  sandboxType: ['None', 'Csp'],
  sessionMode: ['None', 'DryRun'],
  allowedCustomerOperations: CUSTOMER_OPERATIONS,
  action: OPERATION_ACTIONS,
  status: OPERATION_STATUSES,
  operationRequestSource: ['Azure', 'Partner'],
};

function checkKnown(object: Json, fields: readonly string[], report: UnknownValueReport): void {
  for (const field of fields) {
    const value = object[field];
    const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    const known = KNOWN[field] ?? [];
    for (const item of values) if (!known.includes(item as string)) report(field, item);
  }
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A seat count from a number, a numeric string, `""` or null. */
export function readQuantity(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function trimmed(object: Json, ...fields: string[]): Json {
  const copy = { ...object };
  for (const field of fields) {
    const value = copy[field];
    if (typeof value === 'string') copy[field] = value.trim();
  }
  return copy;
}

function withQuantity(object: Json): Json {
  const { quantity, ...rest } = object;
  const seats = readQuantity(quantity);
  return seats === undefined ? rest : { ...rest, quantity: seats };
}

export function parseSubscription(value: unknown, report: UnknownValueReport = ignore): Subscription {
  const raw = isObject(value) ? value : {};
  const subscription = withQuantity(trimmed(raw, 'saasSubscriptionStatus', 'sandboxType', 'sessionMode'));
  if (isObject(raw.term)) {
    subscription.term = trimmed(raw.term, 'termUnit');
    checkKnown(subscription.term as Json, ['termUnit'], report);
  }
  if (!Array.isArray(raw.allowedCustomerOperations)) subscription.allowedCustomerOperations = [];
  checkKnown(subscription, ['saasSubscriptionStatus', 'sandboxType', 'sessionMode', 'allowedCustomerOperations'], report);
  return subscription as unknown as Subscription;
}

export function parseResolved(value: unknown, report: UnknownValueReport = ignore): ResolvedSubscription {
  const raw = isObject(value) ? value : {};
  // Older documents called the id `subscriptionId`.
  const id = raw.id ?? raw.subscriptionId ?? (isObject(raw.subscription) ? raw.subscription.id : undefined);
  return { ...withQuantity(raw), id, subscription: parseSubscription(raw.subscription, report) } as unknown as ResolvedSubscription;
}

export function parseOperation(value: unknown, report: UnknownValueReport = ignore): SaaSOperation {
  const raw = isObject(value) ? value : {};
  const operation = withQuantity(trimmed(raw, 'action', 'status', 'operationRequestSource'));
  checkKnown(operation, ['action', 'status', 'operationRequestSource'], report);
  return operation as unknown as SaaSOperation;
}

export function parseOperations(value: unknown, report: UnknownValueReport = ignore): SaaSOperation[] {
  const list = isObject(value) && Array.isArray(value.operations) ? value.operations : [];
  return list.map((item) => parseOperation(item, report));
}

export function parsePlans(value: unknown): SubscriptionPlans['plans'] {
  return (isObject(value) && Array.isArray(value.plans) ? value.plans : []) as SubscriptionPlans['plans'];
}

/** A page of List Subscriptions; an empty body (documented for "no subscriptions") is an empty page. */
export function parseSubscriptionPage(value: unknown, report: UnknownValueReport = ignore): { subscriptions: Subscription[]; nextLink: string | undefined } {
  const raw = isObject(value) ? value : {};
  const subscriptions = Array.isArray(raw.subscriptions) ? raw.subscriptions.map((item) => parseSubscription(item, report)) : [];
  const next = raw['@nextLink'];
  return { subscriptions, nextLink: typeof next === 'string' && next.trim() !== '' ? next : undefined };
}
