// What the simulator's control API takes and gives (the shapes of /simulator/*): a purchase and a
// customer's action, the clock, the webhook log and the built-in inbox, faults, chaos and the publishers'
// endpoints. Schemas first: the routes validate and serialize with them, and SimulatorClient's types and
// the answers' documentation come from them.
import { AadIdentifier, OperationStatus, SaaSOperation, StringEnum, Subscription, TermUnit, Uuid } from '@saas-fulfillment/contract';
import Type, { type TSchema } from 'typebox';
import { UsageEventRecord } from './usage.js';

const Fraction = Type.Number({ minimum: 0, maximum: 1 });
export const API_KINDS = ['500', '503', '429', 'hang'] as const;

/** `PUT /simulator/chaos`, or `--chaos`: what fraction of calls, tokens and webhooks meet which fault. */
export const ChaosSettings = Type.Object({
  /** Seed of the choices (default: a random one, returned and logged so the run can be replayed). */
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  api: Type.Optional(
    Type.Object({
      /** The fraction of API calls that fail. */
      rate: Fraction,
      kinds: Type.Optional(Type.Array(StringEnum(API_KINDS), { minItems: 1, maxItems: 4 })),
      /** How long a hung call waits before it answers 503 (default 35 s: past a 30 s client timeout). */
      hangMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
      retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
    }),
  ),
  /** The fraction of token requests that meet an Entra outage (503 temporarily_unavailable). */
  tokens: Type.Optional(Type.Object({ outage: Fraction })),
  webhooks: Type.Optional(
    Type.Object({
      duplicate: Type.Optional(Fraction),
      late: Type.Optional(Fraction),
      /** How late a late delivery is (default 5 s). */
      lateMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
      /** Held back by a random part of lateMs, so that deliveries queued after it overtake it. */
      outOfOrder: Type.Optional(Fraction),
      /** Never sent: the publisher must find the change by reconciling. */
      drop: Type.Optional(Fraction),
    }),
  ),
  /** The fraction of subscription answers that carry an unknown field and values newer than the spec. */
  unknownValues: Type.Optional(Fraction),
});
export type ChaosSettings = Type.Static<typeof ChaosSettings>;

/** The paths a fault's glob may name (see simulator/glob.ts). */
const GLOB_SYNTAX = /^\/[A-Za-z0-9._~%/*-]*$/;

/** `POST /simulator/faults`: what the next matching API calls suffer. */
export const FaultBody = Type.Object({
  /** HTTP status to answer with (omit for latency only). */
  status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
  /** How many matching calls suffer it. */
  count: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /** A glob for the path under /api: `*` within one segment, `**` across them (default: every call). */
  pathPattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: GLOB_SYNTAX.source })),
  method: Type.Optional(Type.Enum(['GET', 'POST', 'PATCH', 'DELETE'])),
  retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  /** The call is carried out, then its answer waits this long (the caller may time out, or die, meanwhile). */
  answerDelayMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 120_000 })),
  /** The call is carried out, then the connection is cut: the caller never learns that it worked. */
  lostAnswer: Type.Optional(Type.Boolean()),
});
export type FaultRequest = Type.Static<typeof FaultBody>;

/** `POST /simulator/purchases`: a customer buys a plan. */
export const PurchaseRequest = Type.Object({
  offerId: Type.String({ minLength: 1, maxLength: 50 }),
  planId: Type.String({ minLength: 1, maxLength: 50 }),
  quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  purchaser: Type.Optional(AadIdentifier),
  beneficiary: Type.Optional(AadIdentifier),
  isFreeTrial: Type.Optional(Type.Boolean()),
  isTest: Type.Optional(Type.Boolean()),
  /** The buyer's Azure subscription and resource group the SaaS resource is made in (made up when absent). */
  azureSubscriptionId: Type.Optional(Uuid),
  resourceGroup: Type.Optional(Type.String({ minLength: 1, maxLength: 90, pattern: '^[-\\w.()]*[-\\w()]$' })),
  termUnit: Type.Optional(TermUnit),
  autoRenew: Type.Optional(Type.Boolean()),
  /** A reseller (CSP) purchase: the purchaser is the partner's tenant, the beneficiary the customer's. */
  csp: Type.Optional(Type.Boolean()),
});
export type PurchaseRequest = Type.Static<typeof PurchaseRequest>;

/** A purchase made (or a new landing token issued): what "Configure account now" opens. */
export const Purchase = Type.Object({
  subscriptionId: Uuid,
  token: Type.String(),
  /** The publisher's landing page with the token. */
  landingPageUrl: Type.String(),
});
export type Purchase = Type.Static<typeof Purchase>;

/** `POST /simulator/subscriptions/{id}/actions`: what the customer or Microsoft does to a subscription. */
export const CustomerActionRequest = Type.Object({
  action: Type.Enum(['ChangePlan', 'ChangeQuantity', 'Suspend', 'Reinstate', 'Unsubscribe', 'Renew']),
  planId: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  quantity: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});
export type CustomerActionRequest = Type.Static<typeof CustomerActionRequest>;

/** The operation an action started: InProgress while it waits on the publisher, Succeeded for a notice. */
export const ActionAccepted = Type.Object({
  operationId: Uuid,
  status: OperationStatus,
  /** A plan change that moves the seats into the new plan's range (5 seats to a plan sold from 10): from and to. */
  seatsChanged: Type.Optional(Type.Object({ from: Type.Integer(), to: Type.Integer() })),
});
export type ActionAccepted = Type.Static<typeof ActionAccepted>;

/** A subscription as the API gives it, with every operation on it. */
export const SubscriptionDetail = Type.Object({ subscription: Subscription, operations: Type.Array(SaaSOperation) });
export const SubscriptionList = Type.Object({ subscriptions: Type.Array(Subscription) });
export const UsageList = Type.Object({ usage: Type.Array(UsageEventRecord) });

/** The marketplace's time, and how far it is ahead of real time. */
export const ClockView = Type.Object({ now: Type.String({ format: 'date-time' }), offsetMs: Type.Number() });
export type ClockView = Type.Static<typeof ClockView>;

/** The clock after a move, and how many scheduled events (renewals, completions, deliveries) it set off. */
export const ClockAdvance = Type.Object({ ...ClockView.properties, applied: Type.Integer() });
export type ClockAdvance = Type.Static<typeof ClockAdvance>;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const DeliveryAttemptView = Type.Object({
  attempt: Type.Integer(),
  at: Type.String(),
  statusCode: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
  latencyMs: Type.Number(),
});

/** A webhook delivery as the control API lists it: the notice it carried, where it went, how it went. */
export const DeliveryView = Type.Object({
  id: Uuid,
  operationId: Uuid,
  subscriptionId: Uuid,
  action: Type.String(),
  operationStatus: Type.String(),
  operationRequestSource: Type.String(),
  url: Type.String(),
  status: StringEnum(['Pending', 'Delivered', 'Rejected', 'Abandoned']),
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastLatencyMs: Nullable(Type.Number()),
  created: Type.String(),
  nextAttemptAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  attemptLog: Type.Array(DeliveryAttemptView),
  /** The notice as sent. */
  payload: Type.Record(Type.String(), Type.Unknown()),
});
export type DeliveryView = Type.Static<typeof DeliveryView>;

export const Redelivery = Type.Object({ deliveryId: Uuid, operationId: Uuid, url: Type.String() });

/** What the built-in inbox received: the body as posted, and how it answered. */
export const InboxEntryView = Type.Object({
  id: Uuid,
  publisherId: Type.String(),
  receivedAt: Type.String(),
  operationId: Type.Optional(Type.String()),
  subscriptionId: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  payload: Type.Unknown(),
  /** Why the delivery's bearer token was refused; absent when it verified. */
  refusedBecause: Type.Optional(Type.String()),
  answer: Type.String(),
  statusCode: Type.Optional(Type.Integer()),
  acknowledgement: Type.Optional(Type.String()),
});
export type InboxEntryView = Type.Static<typeof InboxEntryView>;

const InboxAnswer = StringEnum(['ok', 'reject', 'timeout', 'patch-success', 'patch-failure']);
/** How a publisher's inbox answers: each of `next` once, in order, then `every`. */
export const InboxAnswersView = Type.Object({ next: Type.Array(InboxAnswer), every: InboxAnswer });
export const InboxView = Type.Object({ received: Type.Array(InboxEntryView), answers: Type.Record(Type.String(), InboxAnswersView) });

/** A publisher's connection webhook and landing page, and where each comes from. */
const EndpointSource = StringEnum(['runtime', 'catalog', 'built-in']);
export const EndpointsView = Type.Object({
  publisherId: Type.String(),
  displayName: Type.String(),
  webhookUrl: Type.String(),
  landingPageUrl: Type.String(),
  webhookSource: EndpointSource,
  landingPageSource: EndpointSource,
});
export const PublisherList = Type.Object({ publishers: Type.Array(EndpointsView) });

/** A fault queued for the next matching API calls, and how many calls it still hits. */
const FaultView = Type.Object({ ...Type.Omit(FaultBody, ['count']).properties, id: Uuid, remaining: Type.Integer() });
export const FaultList = Type.Object({ faults: Type.Array(FaultView) });
export const FaultAdded = Type.Object({ id: Uuid });

/** Chaos as it runs, with the seed that replays it (null: off). */
export const ChaosView = Type.Object({ chaos: Nullable(Type.Object({ ...ChaosSettings.properties, seed: Type.Integer() })) });

/** A token of the simulator's workload identity provider. */
export const WorkloadToken = Type.Object({ token: Type.String(), issuer: Type.String(), subject: Type.String(), expiresAt: Type.String() });
export type WorkloadToken = Type.Static<typeof WorkloadToken>;
