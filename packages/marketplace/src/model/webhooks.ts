// The emulator's records of webhooks: each delivery to a publisher with its attempts, and what the
// built-in inbox received. A delivery's payload is read back through noticeOf, checked against the
// contract's shape, so every reader sees the same typed notice.
import { describeErrors, Int32, StringEnum, Uuid, validate, WebhookPayload } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { StoredTime } from './subscriptions.js';

const StatusCode = Type.Integer({ minimum: 100, maximum: 599 });
/** Milliseconds (fractions while in memory), within the tables' 32-bit integer column once rounded. */
const LatencyMs = Type.Number({ minimum: 0, maximum: 2_147_483_647 });

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
  attempts: Int32({ minimum: 0 }),
  nextAttemptAt: StoredTime,
  lastStatusCode: Type.Optional(StatusCode),
  lastError: Type.Optional(Type.String()),
  lastLatencyMs: Type.Optional(LatencyMs),
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
  statusCode: Type.Optional(StatusCode),
  acknowledgement: Type.Optional(Type.String()),
});
export type InboxEntry = Type.Static<typeof InboxEntry>;

export const DeliveryAttempt = Type.Object({
  /** 0: held back (chaos) before any attempt. */
  attempt: Int32({ minimum: 0 }),
  at: StoredTime,
  statusCode: Type.Optional(StatusCode),
  error: Type.Optional(Type.String()),
  latencyMs: LatencyMs,
});
export type DeliveryAttempt = Type.Static<typeof DeliveryAttempt>;

/** The notice a delivery carries, as sent; a payload that no longer fits the contract is a fault, named. */
export function noticeOf(delivery: Pick<DeliveryRecord, 'id' | 'payload'>): WebhookPayload {
  const notice: unknown = JSON.parse(delivery.payload);
  const errors = validate(WebhookPayload, notice);
  if (errors.length > 0) throw new Error(`delivery ${delivery.id} holds a damaged notice: ${describeErrors('payload', errors)}`);
  return notice as WebhookPayload;
}
