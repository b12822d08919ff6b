// The publisher's events to the product: each one's Standard Webhooks signature checked (the secret is the
// publisher's APP_EVENTS_SECRET), then handed to the handlers for its type, typed; a copy of the
// subscription's entitlement is dropped so the next check reads the new state.
import { Webhook } from 'standardwebhooks';
import type { EventType, SubscriptionEvent } from '@saas-fulfillment/contract';
import type { Entitlements } from './entitlements.js';

export type EventHandler = (event: SubscriptionEvent, id: string) => void | Promise<void>;

/** The signature, its time or the body did not check out: answer 400 and do not act on it. */
export class EventVerificationError extends Error {
  override readonly name = 'EventVerificationError';
}

export class Events {
  private readonly webhook: Webhook;
  private readonly handlers = new Map<EventType | '*', EventHandler[]>();

  constructor(
    secret: string,
    private readonly entitlements?: Entitlements,
  ) {
    this.webhook = new Webhook(secret);
  }

  /** Calls `handler` for events of this type (`*`: every event). */
  on(type: EventType | '*', handler: EventHandler): this {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
    return this;
  }

  /**
   * Checks the event's signature against the raw body as received (not a re-serialized one), refreshes
   * what the entitlement cache holds for its subscription, and runs the handlers. Throws
   * EventVerificationError for anything not signed by the publisher (nothing runs).
   */
  async handle(headers: Record<string, string | string[] | undefined>, rawBody: string | Buffer): Promise<SubscriptionEvent> {
    const event = this.verify(headers, rawBody);
    this.entitlements?.invalidate(event.data.subscriptionId, event.data.beneficiaryTenantId);
    const id = String(single(headers['webhook-id']));
    for (const handler of [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get('*') ?? [])]) await handler(event, id);
    return event;
  }

  /** The event, if its signature and time check out. */
  verify(headers: Record<string, string | string[] | undefined>, rawBody: string | Buffer): SubscriptionEvent {
    const wanted = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;
    const given = Object.fromEntries(wanted.map((name) => [name, single(headers[name]) ?? '']));
    try {
      return this.webhook.verify(rawBody, given) as SubscriptionEvent;
    } catch (error) {
      throw new EventVerificationError(`not a signed event from the publisher: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
