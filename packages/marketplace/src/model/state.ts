// A snapshot of the emulator's state: one versioned JSON document holding every table (subscriptions,
// landing tokens, operations, webhook deliveries with their attempts, the built-in inbox, accepted
// usage), the clock, the publishers' run-time endpoints and, for reference, the catalog they were made
// against. GET /simulator/state writes it, PUT /simulator/state and `marketplace --import` read it.
import { Uuid } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { CatalogConfig } from '../catalog.js';
import { EndpointsBody } from '../endpoints.js';
import { OperationRecord, StoredTime, SubscriptionRecord } from './subscriptions.js';
import { UsageEventRecord } from './usage.js';
import { DeliveryAttempt, DeliveryRecord, InboxEntry } from './webhooks.js';

/** What names the document, so that a file of something else is refused by name rather than field by field. */
export const STATE_FORMAT = 'saas-fulfillment/marketplace-state';
/** Raised only when the document's shape changes; a later emulator upgrades every earlier version it knows. */
export const STATE_VERSION = 1;

/** A landing token, kept as its hash: a snapshot never holds a token that could be replayed elsewhere. */
const LandingTokenRecord = Type.Object({
  tokenHash: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  subscriptionId: Uuid,
  expiresAt: StoredTime,
});

const DeliveryWithAttempts = Type.Object({ ...DeliveryRecord.properties, attemptLog: Type.Array(DeliveryAttempt) });

/** The tables, in the order they are written (parents before children). */
export const StateTables = Type.Object({
  subscriptions: Type.Array(SubscriptionRecord),
  landingTokens: Type.Array(LandingTokenRecord),
  operations: Type.Array(OperationRecord),
  deliveries: Type.Array(DeliveryWithAttempts),
  inbox: Type.Array(InboxEntry),
  usage: Type.Array(Type.Object({ ...UsageEventRecord.properties, hour: StoredTime, effectiveStartTime: StoredTime, messageTime: StoredTime })),
});
export type StateTables = Type.Static<typeof StateTables>;

export const MarketplaceState = Type.Object(
  {
    format: Type.Literal(STATE_FORMAT),
    version: Type.Integer({ minimum: 1 }),
    exportedAt: StoredTime,
    /** The simulator's clock: how far it runs ahead of real time. */
    clock: Type.Object({ offsetMs: Type.Integer({ minimum: 0 }) }),
    /** The catalog the state was made against (secrets included: it is a development catalog). */
    catalog: Type.Optional(CatalogConfig),
    /** Endpoints set at run time, per publisher (the catalog's and the built-in ones are not state). */
    endpoints: Type.Record(Type.String(), EndpointsBody),
    ...StateTables.properties,
  },
  { additionalProperties: false },
);
export type MarketplaceState = Type.Static<typeof MarketplaceState>;
