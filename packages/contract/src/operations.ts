// Every operation of the fulfillment and metering APIs with the status codes Microsoft documents for
// it and the body each one carries: the project's own statement of the contract, which the emulator's
// answers are checked against in the tests (and which a drift test compares with the official files).
import Type, { type TSchema } from 'typebox';
import {
  BatchUsageEvent,
  BatchUsageEventOkResponse,
  GetUsageEventOkResponse,
  UsageEvent,
  UsageEventBadRequestResponse,
  UsageEventConflictResponse,
  UsageEventOkResponse,
} from './metering.js';
import {
  ErrorBody,
  InternalErrorBody,
  OperationList,
  ResolvedSubscription,
  SaaSOperation,
  StringEnum,
  SubscriberPlan,
  Subscription,
  SubscriptionPlans,
  SubscriptionsResponse,
  UpdateOperation,
} from './schemas.js';

/** A status with no body (`null`) or the schema its body matches. */
export type Answers = Readonly<Record<number, TSchema | null>>;

export interface OperationContract {
  /** The official operationId. */
  readonly id: string;
  readonly api: 'fulfillment' | 'metering';
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the API base, with `{name}` for path parameters. */
  readonly path: string;
  readonly body?: TSchema;
  /** The statuses the official file declares, with their bodies. */
  readonly answers: Answers;
  /** Answers the official file does not declare but the service gives, and why. */
  readonly beyondSpec?: { readonly answers: Answers; readonly why: string };
}

// The official file declares 4xx statuses without a body schema; Microsoft's pages show this one.
const failures = (...statuses: number[]): Answers => Object.fromEntries(statuses.map((s) => [s, s >= 500 ? InternalErrorBody : ErrorBody]));

export const OPERATIONS: readonly OperationContract[] = [
  {
    id: 'FulfillmentOperations_Resolve',
    api: 'fulfillment',
    method: 'POST',
    path: '/saas/subscriptions/resolve',
    answers: { 200: ResolvedSubscription, ...failures(400, 403, 404, 500) },
  },
  {
    id: 'FulfillmentOperations_ListSubscriptions',
    api: 'fulfillment',
    method: 'GET',
    path: '/saas/subscriptions',
    answers: { 200: SubscriptionsResponse, ...failures(403, 500) },
    beyondSpec: { answers: failures(400), why: 'a continuationToken the API never issued is refused rather than silently starting over' },
  },
  {
    id: 'FulfillmentOperations_GetSubscription',
    api: 'fulfillment',
    method: 'GET',
    path: '/saas/subscriptions/{subscriptionId}',
    answers: { 200: Subscription, ...failures(403, 404, 500) },
  },
  {
    id: 'FulfillmentOperations_UpdateSubscription',
    api: 'fulfillment',
    method: 'PATCH',
    path: '/saas/subscriptions/{subscriptionId}',
    body: SubscriberPlan,
    answers: { 202: null, ...failures(400, 403, 404, 500) },
  },
  {
    id: 'FulfillmentOperations_DeleteSubscription',
    api: 'fulfillment',
    method: 'DELETE',
    path: '/saas/subscriptions/{subscriptionId}',
    answers: { 202: null, ...failures(400, 403, 404, 500) },
  },
  {
    id: 'FulfillmentOperations_ListAvailablePlans',
    api: 'fulfillment',
    method: 'GET',
    path: '/saas/subscriptions/{subscriptionId}/listAvailablePlans',
    answers: { 200: SubscriptionPlans, ...failures(403, 404, 500) },
  },
  {
    id: 'FulfillmentOperations_ActivateSubscription',
    api: 'fulfillment',
    method: 'POST',
    path: '/saas/subscriptions/{subscriptionId}/activate',
    body: SubscriberPlan,
    answers: { 200: null, ...failures(400, 403, 404, 500) },
  },
  {
    id: 'SubscriptionOperations_ListOperations',
    api: 'fulfillment',
    method: 'GET',
    path: '/saas/subscriptions/{subscriptionId}/operations',
    answers: { 200: OperationList, ...failures(400, 403, 404, 500) },
  },
  {
    id: 'SubscriptionOperations_GetOperationStatus',
    api: 'fulfillment',
    method: 'GET',
    path: '/saas/subscriptions/{subscriptionId}/operations/{operationId}',
    answers: { 200: SaaSOperation, ...failures(400, 403, 404, 500) },
  },
  {
    id: 'SubscriptionOperations_UpdateOperationStatus',
    api: 'fulfillment',
    method: 'PATCH',
    path: '/saas/subscriptions/{subscriptionId}/operations/{operationId}',
    body: UpdateOperation,
    answers: { 200: null, ...failures(400, 403, 404, 409, 500) },
  },
  {
    id: 'MeteringOperations_PostUsageEvent',
    api: 'metering',
    method: 'POST',
    path: '/usageEvent',
    body: UsageEvent,
    answers: { 200: UsageEventOkResponse, 400: UsageEventBadRequestResponse, 403: ErrorBody, 409: UsageEventConflictResponse },
  },
  {
    id: 'MeteringOperations_PostBatchUsageEvent',
    api: 'metering',
    method: 'POST',
    path: '/batchUsageEvent',
    body: BatchUsageEvent,
    answers: { 200: BatchUsageEventOkResponse, 400: UsageEventBadRequestResponse, 403: ErrorBody },
  },
  {
    id: 'MeteringOperations_GetUsageEvent',
    api: 'metering',
    method: 'GET',
    path: '/usageEvents',
    answers: { 200: GetUsageEventOkResponse, 400: UsageEventBadRequestResponse, 403: ErrorBody },
  },
];

/** The 400 for a missing or unsupported api-version, in the wording of ASP.NET API versioning. */
export const ApiVersionError = Type.Object({
  code: StringEnum(['ApiVersionUnspecified', 'UnsupportedApiVersion']),
  message: Type.String(),
  target: Type.Optional(Type.String()),
});

/**
 * Answers the service gives before any operation runs, so no operation declares them: a missing or
 * unsupported api-version (400; the spec makes the parameter required but declares no 400 for some
 * operations), a body over the size limit (413) and a body that is not JSON (415).
 */
export const ANSWERS_BEFORE_ANY_OPERATION: Answers = { 400: ApiVersionError, 413: ErrorBody, 415: ErrorBody };

const matchers = OPERATIONS.map((operation) => ({
  operation,
  pattern: new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  parameters: (operation.path.match(/\{/g) ?? []).length,
}));

/** The operation a request path (under the API base) names; a literal segment wins over a parameter (resolve). */
export function findOperation(method: string, path: string): OperationContract | undefined {
  const found = matchers.filter((m) => m.operation.method === method && m.pattern.test(path)).sort((a, b) => a.parameters - b.parameters);
  return found[0]?.operation;
}

const NO_BODY = Type.Null({ description: 'no body' });

/**
 * Every answer an operation gives, by status, with its body's schema (a bodiless status as `null`):
 * what the spec declares, what the service gives beyond it, and the answers before any operation runs.
 * A server declares these as its routes' response schemas.
 */
export function answersOf(id: string): Record<number, TSchema> {
  const operation = OPERATIONS.find((o) => o.id === id);
  if (!operation) throw new Error(`no operation ${id} in the contract`);
  const all: Answers = { ...ANSWERS_BEFORE_ANY_OPERATION, ...operation.beyondSpec?.answers, ...operation.answers };
  return Object.fromEntries(Object.entries(all).map(([status, schema]) => [status, schema ?? NO_BODY]));
}
