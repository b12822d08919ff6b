// The publisher's events to the product: each one's Standard Webhooks signature checked (the secret is the
// publisher's APP_EVENTS_SECRET), then handed to the handlers for its type, typed; a copy of the
// subscription's entitlement is dropped so the next check reads the new state. Each event acts once: a
// delivery of an id already handled (a replay, or the publisher's retry after a lost answer) passes the
// checks and is answered, but runs nothing again.
import { Webhook } from 'standardwebhooks';
import type { EventType, SubscriptionEvent } from '@saas-fulfillment/contract';
import type { Entitlements } from './entitlements.js';

export type EventHandler = (event: SubscriptionEvent, id: string) => void | Promise<void>;

/** The signature, its time or the body did not check out: answer 400 and do not act on it. */
export class EventVerificationError extends Error {
  override readonly name = 'EventVerificationError';
}

/** Event ids remembered, and for how long: a replay must be signed within five minutes, a retry comes later. */
const IDS_KEPT = 10_000;
const ID_KEPT_MS = 60 * 60_000;

export class Events {
  private readonly webhook: Webhook;
  private readonly handlers = new Map<EventType | '*', EventHandler[]>();
  /** Event ids handled, with when each may be forgotten (oldest first). */
  private readonly handled = new Map<string, number>();
  /** Deliveries of an event already handled, since this started. */
  duplicates = 0;

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
   * what the entitlement cache holds for its subscription, and runs the handlers, once per event id (a
   * repeat runs nothing: answer it 2xx all the same). Throws EventVerificationError for anything not signed
   * by the publisher (nothing runs).
   */
  async handle(headers: Record<string, string | string[] | undefined>, rawBody: string | Buffer): Promise<SubscriptionEvent> {
    const event = this.verify(headers, rawBody);
    const id = String(single(headers['webhook-id']));
    if (this.seen(id)) {
      this.duplicates++;
      return event;
    }
    this.entitlements?.invalidate(event.data.subscriptionId, event.data.beneficiaryTenantId);
    try {
      for (const handler of [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get('*') ?? [])]) await handler(event, id);
    } catch (error) {
      // Not handled after all: the publisher's retry runs the handlers again.
      this.handled.delete(id);
      throw error;
    }
    return event;
  }

  /** Whether the id was handled before; if not, it is remembered now (for ID_KEPT_MS, the newest IDS_KEPT). */
  private seen(id: string): boolean {
    const now = Date.now();
    const until = this.handled.get(id);
    if (until !== undefined && until > now) return true;
    for (const [old, expires] of this.handled) {
      if (expires > now && this.handled.size < IDS_KEPT) break;
      this.handled.delete(old);
    }
    this.handled.delete(id);
    this.handled.set(id, now + ID_KEPT_MS);
    return false;
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
