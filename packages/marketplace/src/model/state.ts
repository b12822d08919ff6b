// Every table of the emulator's state as records: what a state snapshot holds (simulator/documents.ts
// adds the clock, endpoints and catalog around them) and the store reads and writes in bulk.
import { Uuid } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { OperationRecord, StoredTime, SubscriptionRecord } from './subscriptions.js';
import { UsageEventRecord } from './usage.js';
import { DeliveryAttempt, DeliveryRecord, InboxEntry } from './webhooks.js';

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
