// The events the publisher sends to the vendor's application on every subscription change (Standard
// Webhooks: webhook-id, webhook-timestamp, webhook-signature headers): their names and body, one schema
// that the sender builds from and the OpenAPI document's `webhooks` section describes.
import { StringEnum } from '@saas-fulfillment/contract';
import Type, { type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** What happened, most specific first: a status change has its own name, then plan, seats, renewal. */
export const EVENT_TYPES = [
  'subscription.created',
  'subscription.activated',
  'subscription.suspended',
  'subscription.reinstated',
  'subscription.unsubscribed',
  'subscription.subscribed',
  'subscription.pendingfulfillmentstart',
  'subscription.plan_changed',
  'subscription.quantity_changed',
  'subscription.renewed',
  'subscription.updated',
] as const;
export const EventType = StringEnum(EVENT_TYPES);
export type EventType = Type.Static<typeof EventType>;

export const SubscriptionEvent = Type.Object(
  {
    type: EventType,
    /** When the publisher recorded the change (its own clock). */
    timestamp: Type.String({ format: 'date-time' }),
    data: Type.Object({
      subscriptionId: Type.String(),
      offerId: Type.String(),
      planId: Type.String(),
      /** Seats, for a plan priced per seat. */
      quantity: Nullable(Type.Integer()),
      /** PendingFulfillmentStart, Subscribed, Suspended or Unsubscribed; a value Microsoft adds later is passed on as sent. */
      status: Type.String(),
      beneficiaryTenantId: Nullable(Type.String()),
      /** What caused it, as the subscription's timeline says: a webhook and its operation, reconciliation, the landing page. */
      cause: Type.String(),
    }),
  },
  { description: 'A subscription changed: its state after the change.' },
);
export type SubscriptionEvent = Type.Static<typeof SubscriptionEvent>;
