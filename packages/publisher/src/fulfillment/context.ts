// What the publisher's fulfillment services share: their dependencies, "now", and how an operation the
// marketplace reports is recorded with what we made of it.
import type { MarketplaceClient } from '@saas-fulfillment/client';
import type { Clock, SaaSOperation } from '@saas-fulfillment/contract';
import type { OutboundEvents } from '../events/outbound.js';
import type { LocalOperation, OperationOutcome } from '../model/subscription.js';
import type { PublisherStore } from '../store/repository.js';
import type { PublisherHooks } from './hooks.js';

export interface FulfillmentDeps {
  store: PublisherStore;
  client: MarketplaceClient;
  clock: Clock;
  hooks: PublisherHooks;
  events: OutboundEvents;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Called after work is queued, so the worker runs it now rather than at its next poll. */
  wake: () => void;
  /** Landing tokens each client address may have resolved with Microsoft per minute (default 10). */
  landingResolvesPerMinute?: number | undefined;
  /** Told how fulfillment keeps its deadlines (the metrics). */
  observer?: FulfillmentObserver | undefined;
}

/** What fulfillment reports as it works: each acknowledgement against the 10-second window, each reconciliation. */
interface FulfillmentObserver {
  acknowledged(result: 'accepted' | 'rejected' | 'too_late', secondsAfterWebhook: number): void;
  reconciled(repaired: number): void;
}

/** An operation as the marketplace reports it, before we record what we made of it. */
export type SeenOperation = Omit<LocalOperation, 'outcome' | 'reason' | 'updated'>;

export function toLocalOperation(o: SaaSOperation): SeenOperation {
  return {
    id: o.id,
    subscriptionId: o.subscriptionId,
    action: o.action,
    source: o.operationRequestSource,
    marketplaceStatus: o.status,
    planId: o.planId,
    quantity: o.quantity,
    timeStamp: o.timeStamp,
  };
}

export abstract class FulfillmentPart {
  constructor(protected readonly deps: FulfillmentDeps) {}

  protected get store(): PublisherStore {
    return this.deps.store;
  }

  protected now(): string {
    return this.deps.clock.now().toISOString();
  }

  protected async recordOperation(o: SeenOperation, outcome: OperationOutcome, reason: string | undefined): Promise<void> {
    await this.store.saveOperation({ ...o, outcome, reason, updated: this.now() });
  }
}
