// The publisher's records of Microsoft's webhooks: the notice as the webhook route takes it (the fields
// acted on must be there; anything else, new fields or new actions, is kept in the stored body), the
// receipt the inbox writes, and a webhook as the inbox holds it.
import Type from 'typebox';

const Field = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

/** The fields every notice has; extra ones are allowed and kept. */
export const WebhookNotice = Type.Object({ id: Field, subscriptionId: Field, action: Field });
export type WebhookNotice = Type.Static<typeof WebhookNotice>;

/** A verified webhook as it arrived: the fields acted on, and its body as sent. */
export interface WebhookReceipt {
  operationId: string;
  subscriptionId: string;
  action: string;
  payload: string;
  /** The traceparent of the request that brought it: the job that handles it continues that trace. */
  traceContext?: string | undefined;
}

/** The receipt of a notice: its fields trimmed, its body kept whole. */
export function receiptOf(notice: WebhookNotice, traceContext?: string): WebhookReceipt {
  return {
    operationId: notice.id.trim(),
    subscriptionId: notice.subscriptionId.trim(),
    action: notice.action.trim(),
    payload: JSON.stringify(notice),
    traceContext,
  };
}

/** One webhook as the inbox holds it: the first delivery, and how many came for the same operation. */
export const InboxReceipt = Type.Object({ operationId: Type.String(), action: Type.String(), receivedAt: Type.String(), deliveries: Type.Integer() });
export type InboxReceipt = Type.Static<typeof InboxReceipt>;
