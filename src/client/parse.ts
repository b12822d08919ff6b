// Lenient reading of marketplace answers. Microsoft adds fields and enum values without notice and its
// samples show quantities as strings, "" or null, and padded statuses: every field is kept, known quirks
// are smoothed, and nothing unknown is fatal. Enum-typed fields may hold values newer than this library.
import type { ResolvedSubscription, SaaSOperation, Subscription, SubscriptionPlans } from '../contract/schemas.js';

type Json = Record<string, unknown>;

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

export function parseSubscription(value: unknown): Subscription {
  const raw = isObject(value) ? value : {};
  const subscription = withQuantity(trimmed(raw, 'saasSubscriptionStatus', 'sandboxType', 'sessionMode'));
  if (isObject(raw.term)) subscription.term = trimmed(raw.term, 'termUnit');
  if (!Array.isArray(raw.allowedCustomerOperations)) subscription.allowedCustomerOperations = [];
  return subscription as unknown as Subscription;
}

export function parseResolved(value: unknown): ResolvedSubscription {
  const raw = isObject(value) ? value : {};
  // Older documents called the id `subscriptionId`.
  const id = raw.id ?? raw.subscriptionId ?? (isObject(raw.subscription) ? raw.subscription.id : undefined);
  return { ...withQuantity(raw), id, subscription: parseSubscription(raw.subscription) } as unknown as ResolvedSubscription;
}

export function parseOperation(value: unknown): SaaSOperation {
  const raw = isObject(value) ? value : {};
  return withQuantity(trimmed(raw, 'action', 'status', 'operationRequestSource')) as unknown as SaaSOperation;
}

export function parseOperations(value: unknown): SaaSOperation[] {
  const list = isObject(value) && Array.isArray(value.operations) ? value.operations : [];
  return list.map(parseOperation);
}

export function parsePlans(value: unknown): SubscriptionPlans['plans'] {
  return (isObject(value) && Array.isArray(value.plans) ? value.plans : []) as SubscriptionPlans['plans'];
}

/** A page of List Subscriptions; an empty body (documented for "no subscriptions") is an empty page. */
export function parseSubscriptionPage(value: unknown): { subscriptions: Subscription[]; nextLink: string | undefined } {
  const raw = isObject(value) ? value : {};
  const subscriptions = Array.isArray(raw.subscriptions) ? raw.subscriptions.map(parseSubscription) : [];
  const next = raw['@nextLink'];
  return { subscriptions, nextLink: typeof next === 'string' && next.trim() !== '' ? next : undefined };
}
