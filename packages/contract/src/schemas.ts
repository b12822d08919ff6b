// Wire shapes of the SaaS Fulfillment API v2, as JSON Schema (TypeBox); every TS type is inferred from these.
//
// These are the shapes Microsoft's official OpenAPI file (saasapi.v2.json) declares, plus the few fields
// Microsoft's pages document outside it (marked "docs"); a drift test keeps them in step with that file. No schema sets `additionalProperties: false`:
// Microsoft adds fields without notice, and readers must keep what they do not know.
import Type from 'typebox';
import { API_VERSION, CUSTOMER_OPERATIONS, OPERATION_ACTIONS, OPERATION_STATUSES, SUBSCRIPTION_STATUSES, TERM_UNITS } from './values.js';

export * from './values.js';

export const Uuid = Type.String({ format: 'uuid' });
export const DateTime = Type.String({ format: 'date-time' });
/** A closed set of strings, declared as strings the way the spec declares its enums. */
export const StringEnum = <const T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
/** Whole numbers sized as the spec sizes them (quantities are int32 on subscriptions, int64 elsewhere). */
export const Int32 = (options: { minimum?: number; maximum?: number } = {}) => Type.Integer({ format: 'int32', ...options });
export const Int64 = (options: { minimum?: number; maximum?: number } = {}) => Type.Integer({ format: 'int64', ...options });

/** The only api-version of both APIs, required as a query parameter on every call. */
export const ApiVersion = StringEnum([API_VERSION]);

export const SubscriptionStatus = StringEnum(SUBSCRIPTION_STATUSES);
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
export const TermUnit = StringEnum(TERM_UNITS);
export type TermUnit = (typeof TERM_UNITS)[number];
export const OperationAction = StringEnum(OPERATION_ACTIONS);
export type OperationAction = (typeof OPERATION_ACTIONS)[number];
export const OperationStatus = StringEnum(OPERATION_STATUSES);
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export type CustomerOperation = (typeof CUSTOMER_OPERATIONS)[number];

export const AadIdentifier = Type.Object({
  emailId: Type.Optional(Type.String({ format: 'email' })),
  objectId: Type.Optional(Uuid),
  tenantId: Type.Optional(Uuid),
  puid: Type.Optional(Type.String()),
});
export type AadIdentifier = Type.Static<typeof AadIdentifier>;

export const Term = Type.Object({
  termUnit: TermUnit,
  startDate: Type.Optional(DateTime),
  endDate: Type.Optional(DateTime),
  chargeDuration: Type.Optional(Type.String()),
});
export type Term = Type.Static<typeof Term>;

export const Subscription = Type.Object({
  id: Uuid,
  publisherId: Type.String(),
  offerId: Type.String(),
  name: Type.String(),
  saasSubscriptionStatus: SubscriptionStatus,
  beneficiary: AadIdentifier,
  purchaser: AadIdentifier,
  planId: Type.String(),
  quantity: Type.Optional(Int32({ minimum: 0 })),
  term: Term,
  autoRenew: Type.Boolean(),
  isTest: Type.Boolean(),
  isFreeTrial: Type.Boolean(),
  allowedCustomerOperations: Type.Array(StringEnum(CUSTOMER_OPERATIONS)),
  sandboxType: StringEnum(['None', 'Csp']),
  sessionMode: StringEnum(['None', 'DryRun']),
  created: DateTime,
  /** docs: shown in samples, not in the spec. */
  lastModified: Type.Optional(DateTime),
});
export type Subscription = Type.Static<typeof Subscription>;

export const ResolvedSubscription = Type.Object({
  id: Uuid,
  subscriptionName: Type.String(),
  offerId: Type.String(),
  planId: Type.String(),
  quantity: Type.Optional(Int64({ minimum: 0 })),
  subscription: Subscription,
});
export type ResolvedSubscription = Type.Static<typeof ResolvedSubscription>;

export const SubscriptionsResponse = Type.Object({
  subscriptions: Type.Array(Subscription),
  '@nextLink': Type.Optional(Type.String({ format: 'uri' })),
});
export type SubscriptionsResponse = Type.Static<typeof SubscriptionsResponse>;

export const MeteringDimension = Type.Object({
  id: Type.String(),
  currency: Type.String(),
  pricePerUnit: Type.Number(),
  unitOfMeasure: Type.String(),
  displayName: Type.String(),
});
export type MeteringDimension = Type.Static<typeof MeteringDimension>;

/** Units of a dimension included in the base price of a term (a string on the wire, as the spec has it). */
export const MeteredQuantityIncluded = Type.Object({ dimensionId: Type.String(), units: Type.String() });

export const RecurrentBillingTerm = Type.Object({
  currency: Type.String(),
  price: Type.Number(),
  termUnit: TermUnit,
  termDescription: Type.Optional(Type.String()),
  meteredQuantityIncluded: Type.Optional(Type.Array(MeteredQuantityIncluded)),
});

/** A private offer's source offers; the spec says uuid, but the values are plain strings. */
export const SourceOffer = Type.Object({ externalId: Type.String() });

export const Plan = Type.Object({
  planId: Type.String(),
  displayName: Type.String(),
  isPrivate: Type.Boolean(),
  description: Type.Optional(Type.String()),
  minQuantity: Type.Optional(Int64()),
  maxQuantity: Type.Optional(Int64()),
  hasFreeTrials: Type.Boolean(),
  isPricePerSeat: Type.Boolean(),
  isStopSell: Type.Boolean(),
  market: Type.String(),
  planComponents: Type.Object({
    recurrentBillingTerms: Type.Array(RecurrentBillingTerm),
    meteringDimensions: Type.Array(MeteringDimension),
  }),
  sourceOffers: Type.Optional(Type.Array(SourceOffer)),
});
export type Plan = Type.Static<typeof Plan>;

export const SubscriptionPlans = Type.Object({ plans: Type.Array(Plan) });
export type SubscriptionPlans = Type.Static<typeof SubscriptionPlans>;

/** Body of Activate and of a publisher PATCH: `{ planId }` or `{ quantity }`. */
export const SubscriberPlan = Type.Object({
  planId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  quantity: Type.Optional(Int64({ minimum: 0, maximum: 2147483647 })),
});
export type SubscriberPlan = Type.Static<typeof SubscriberPlan>;

export const OperationRequestSource = StringEnum(['Azure', 'Partner']);
export type OperationRequestSource = Type.Static<typeof OperationRequestSource>;

export const SaaSOperation = Type.Object({
  id: Uuid,
  activityId: Uuid,
  subscriptionId: Uuid,
  offerId: Type.String(),
  publisherId: Type.String(),
  planId: Type.String(),
  quantity: Type.Optional(Int32({ minimum: 0 })),
  action: OperationAction,
  timeStamp: DateTime,
  status: OperationStatus,
  /** docs: outside the spec, seen on operations and webhooks. */
  operationRequestSource: Type.Optional(OperationRequestSource),
  errorStatusCode: Type.Optional(Type.String()),
  errorMessage: Type.Optional(Type.String()),
});
export type SaaSOperation = Type.Static<typeof SaaSOperation>;

export const OperationList = Type.Object({ operations: Type.Array(SaaSOperation) });
export type OperationList = Type.Static<typeof OperationList>;

export const UpdateOperation = Type.Object({
  status: StringEnum(['Success', 'Failure']),
  planId: Type.Optional(Type.String()),
  quantity: Type.Optional(Int64({ minimum: 0 })),
});
export type UpdateOperation = Type.Static<typeof UpdateOperation>;

/** What Microsoft POSTs to the publisher's connection webhook (reference §3.1). */
export const WebhookPayload = Type.Object({
  id: Uuid,
  activityId: Uuid,
  publisherId: Type.String(),
  offerId: Type.String(),
  planId: Type.String(),
  quantity: Type.Optional(Int32({ minimum: 0 })),
  subscriptionId: Uuid,
  timeStamp: DateTime,
  action: OperationAction,
  status: OperationStatus,
  operationRequestSource: OperationRequestSource,
  subscription: Subscription,
  purchaseToken: Type.Null(),
});
export type WebhookPayload = Type.Static<typeof WebhookPayload>;

/** The 4xx body Microsoft's pages show: a code, a message and the field it is about. */
export const ErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  target: Type.Optional(Type.String()),
  details: Type.Optional(Type.Array(Type.Object({ code: Type.String(), message: Type.String(), target: Type.Optional(Type.String()) }))),
});
export type ErrorBody = Type.Static<typeof ErrorBody>;

/** The 5xx body the spec models (`FulfillmentInternalServerErrorResponse`). */
export const InternalErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
export type InternalErrorBody = Type.Static<typeof InternalErrorBody>;
