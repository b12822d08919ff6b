// The subscription state machine of reference §5, as data: which action may start from which status,
// where it leads, and whether the marketplace waits for the publisher's acknowledgement.
import type { OperationAction, SubscriptionStatus } from './schemas.js';

export interface Transition {
  readonly action: OperationAction;
  /** Statuses the action may start from. */
  readonly from: readonly SubscriptionStatus[];
  /** Status once the operation has succeeded; `undefined` keeps the current one. */
  readonly to: SubscriptionStatus | undefined;
  /**
   * True when the operation stays InProgress until the publisher PATCHes it (or, for plan and
   * quantity changes, until the acknowledgement window closes). False for notify-only actions,
   * which have already happened on Microsoft's side when the webhook is sent.
   */
  readonly awaitsPublisher: boolean;
}

export const LIFECYCLE: Readonly<Record<OperationAction, Transition>> = {
  ChangePlan: { action: 'ChangePlan', from: ['Subscribed'], to: undefined, awaitsPublisher: true },
  ChangeQuantity: { action: 'ChangeQuantity', from: ['Subscribed'], to: undefined, awaitsPublisher: true },
  // The life-cycle page makes Reinstate wait for PATCH Success; the webhook page calls it notify-only.
  // The emulator waits by default and can be told not to (`reinstateAwaitsPublisher: false`).
  Reinstate: { action: 'Reinstate', from: ['Suspended'], to: 'Subscribed', awaitsPublisher: true },
  Suspend: { action: 'Suspend', from: ['Subscribed'], to: 'Suspended', awaitsPublisher: false },
  Renew: { action: 'Renew', from: ['Subscribed'], to: 'Subscribed', awaitsPublisher: false },
  // An auto-activated purchase: Microsoft activates it at once and tells the publisher. Nothing starts it
  // from a status: it happens only at the purchase.
  Subscribe: { action: 'Subscribe', from: [], to: 'Subscribed', awaitsPublisher: false },
  Unsubscribe: {
    action: 'Unsubscribe',
    from: ['PendingFulfillmentStart', 'Subscribed', 'Suspended'],
    to: 'Unsubscribed',
    awaitsPublisher: false,
  },
};

/** True when `action` may start from a subscription in `status`. */
export function canStart(action: OperationAction, status: SubscriptionStatus): boolean {
  return LIFECYCLE[action].from.includes(status);
}

/** Days a Suspended subscription waits for payment before Microsoft unsubscribes it. */
export const SUSPENSION_GRACE_DAYS = 30;

/** Seconds the publisher has to reject a ChangePlan / ChangeQuantity before it is taken as accepted. */
export const ACKNOWLEDGE_WINDOW_SECONDS = 10;
