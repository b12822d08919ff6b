// The emulator's records of webhooks: each delivery to a publisher with its attempts, and what the
// built-in inbox received. A delivery's payload is read back through noticeOf, checked against the
// contract's shape, so every reader sees the same typed notice.
import { describeErrors, validate, WebhookPayload } from '@saas-fulfillment/contract';

export type DeliveryStatus = 'Pending' | 'Delivered' | 'Rejected' | 'Abandoned';

export interface DeliveryRecord {
  id: string;
  operationId: string;
  subscriptionId: string;
  publisherId: string;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | undefined;
  lastError: string | undefined;
  lastLatencyMs: number | undefined;
  created: string;
  finishedAt: string | undefined;
}

/** How the built-in inbox answers a delivery. */
export type InboxAnswer = 'ok' | 'reject' | 'timeout' | 'patch-success' | 'patch-failure';

export interface InboxEntry {
  id: string;
  publisherId: string;
  receivedAt: string;
  operationId: string | undefined;
  subscriptionId: string | undefined;
  action: string | undefined;
  payload: string;
  /** Why the delivery's bearer token was refused; undefined when it verified. */
  refusedBecause: string | undefined;
  answer: InboxAnswer;
  statusCode: number | undefined;
  acknowledgement: string | undefined;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  statusCode: number | undefined;
  error: string | undefined;
  latencyMs: number;
}

/** The notice a delivery carries, as sent; a payload that no longer fits the contract is a fault, named. */
export function noticeOf(delivery: Pick<DeliveryRecord, 'id' | 'payload'>): WebhookPayload {
  const notice: unknown = JSON.parse(delivery.payload);
  const errors = validate(WebhookPayload, notice);
  if (errors.length > 0) throw new Error(`delivery ${delivery.id} holds a damaged notice: ${describeErrors('payload', errors)}`);
  return notice as WebhookPayload;
}
