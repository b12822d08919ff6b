// `@saas-fulfillment/app`: what the vendor's own product needs from its publisher service. Entitlement
// checks from a cache kept fresh by events and bounded in staleness, usage that is never lost, and the
// publisher's signed events verified and typed. Node.js only, no server dependencies.
import { Entitlements, type EntitlementOptions } from './entitlements.js';
import { Events } from './events.js';
import type { PublisherConnection } from './http.js';
import { UsageRecorder, type UsageOptions } from './usage.js';

export { Entitlements, type Decision, type DecisionReason, type EntitlementOptions } from './entitlements.js';
export { EventVerificationError, Events, type EventHandler } from './events.js';
export { PublisherError, type PublisherConnection } from './http.js';
export { UsageRecorder, type NewUsage, type Refusal, type UsageOptions, type UsageOutcome } from './usage.js';
export type { Entitlement, EventType, SubscriptionEvent, UsageRecord } from '@saas-fulfillment/contract';

export interface AppOptions extends PublisherConnection {
  entitlements?: EntitlementOptions;
  usage?: UsageOptions;
  /** The publisher's APP_EVENTS_SECRET (`whsec_…`): without it, `events` is absent. */
  eventsSecret?: string;
}

export interface SaasApp {
  entitlements: Entitlements;
  usage: UsageRecorder;
  events: Events | undefined;
  /** Sends the usage still waiting and stops the timers. */
  close(): Promise<void>;
}

/** The three parts wired together: events refresh the entitlement cache. */
export async function connect(options: AppOptions): Promise<SaasApp> {
  const entitlements = new Entitlements(options, options.entitlements);
  const usage = await UsageRecorder.open(options, options.usage);
  const events = options.eventsSecret ? new Events(options.eventsSecret, entitlements) : undefined;
  return {
    entitlements,
    usage,
    events,
    async close() {
      entitlements.close();
      await usage.close();
    },
  };
}
