// The emulator's records of webhooks: each delivery to a publisher with its attempts, and what the
// built-in inbox received. A delivery's payload is read back through noticeOf, checked against the
// contract's shape, so every reader sees the same typed notice.
import { describeErrors, StringEnum, Uuid, validate, WebhookPayload } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { StoredTime } from './subscriptions.js';

export const DeliveryStatus = StringEnum(['Pending', 'Delivered', 'Rejected', 'Abandoned']);
export type DeliveryStatus = Type.Static<typeof DeliveryStatus>;

export const DeliveryRecord = Type.Object({
  id: Uuid,
  operationId: Uuid,
  subscriptionId: Uuid,
  publisherId: Type.String({ minLength: 1 }),
  url: Type.String({ minLength: 1 }),
  /** The notice as sent (JSON text): a redelivery sends the very same bytes. */
  payload: Type.String({ minLength: 2 }),
  status: DeliveryStatus,
  attempts: Type.Integer({ minimum: 0 }),
  nextAttemptAt: StoredTime,
  lastStatusCode: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  lastLatencyMs: Type.Optional(Type.Number({ minimum: 0 })),
  created: StoredTime,
  finishedAt: Type.Optional(StoredTime),
});
export type DeliveryRecord = Type.Static<typeof DeliveryRecord>;

/** How the built-in inbox answers a delivery. */
export const InboxAnswer = StringEnum(['ok', 'reject', 'timeout', 'patch-success', 'patch-failure']);
export type InboxAnswer = Type.Static<typeof InboxAnswer>;

export const InboxEntry = Type.Object({
  id: Uuid,
  publisherId: Type.String({ minLength: 1 }),
  receivedAt: StoredTime,
  operationId: Type.Optional(Type.String()),
  subscriptionId: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  payload: Type.String(),
  /** Why the delivery's bearer token was refused; undefined when it verified. */
  refusedBecause: Type.Optional(Type.String()),
  answer: InboxAnswer,
  statusCode: Type.Optional(Type.Integer()),
  acknowledgement: Type.Optional(Type.String()),
});
export type InboxEntry = Type.Static<typeof InboxEntry>;

export const DeliveryAttempt = Type.Object({
  /** 0: held back (chaos) before any attempt. */
  attempt: Type.Integer({ minimum: 0 }),
  at: StoredTime,
  statusCode: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
  latencyMs: Type.Number({ minimum: 0 }),
});
export type DeliveryAttempt = Type.Static<typeof DeliveryAttempt>;

/** The notice a delivery carries, as sent; a payload that no longer fits the contract is a fault, named. */
export function noticeOf(delivery: Pick<DeliveryRecord, 'id' | 'payload'>): WebhookPayload {
  const notice: unknown = JSON.parse(delivery.payload);
  const errors = validate(WebhookPayload, notice);
  if (errors.length > 0) throw new Error(`delivery ${delivery.id} holds a damaged notice: ${describeErrors('payload', errors)}`);
  return notice as WebhookPayload;
}
