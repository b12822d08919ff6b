// What the fulfillment services share: the store, catalog, clock, settings and endpoints, and the
// lookups every one of them makes (a subscription, its publisher, "now").
import type { Clock } from '@saas-fulfillment/contract';
import type { Catalog, PublisherConfig } from '../catalog.js';
import type { PublisherEndpoints } from '../endpoints.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { SubscriptionRecord } from '../model/subscriptions.js';
import type { MarketplaceSettings } from '../settings.js';
import type { MarketplaceStore } from '../store/repository.js';

/** Told after a transaction commits that queued a webhook (the worker wakes on it). */
export interface FulfillmentEvents {
  webhookQueued(): void;
}

export class FulfillmentContext {
  constructor(
    readonly store: MarketplaceStore,
    readonly catalog: Catalog,
    readonly clock: Clock,
    readonly settings: MarketplaceSettings,
    readonly endpoints: PublisherEndpoints,
    readonly events: FulfillmentEvents = { webhookQueued: () => {} },
  ) {}

  now(): string {
    return this.clock.now().toISOString();
  }

  later(ms: number): string {
    return new Date(this.clock.now().getTime() + ms).toISOString();
  }

  /** The subscription, or 404; inside a transaction its row stays locked until the transaction ends. */
  async requireSubscription(id: string, tx: MarketplaceStore = this.store): Promise<SubscriptionRecord> {
    const subscription = tx === this.store ? await tx.getSubscription(id) : await tx.lockSubscription(id);
    if (!subscription) throw E.subscriptionNotFound(id);
    return subscription;
  }

  /** The subscription, if it belongs to one of `publisher`'s offers (else 403). */
  async ownSubscription(publisher: PublisherConfig, id: string, tx: MarketplaceStore = this.store): Promise<SubscriptionRecord> {
    const subscription = await this.requireSubscription(id, tx);
    if (subscription.publisherId !== publisher.publisherId) throw E.notYourSubscription(id);
    return subscription;
  }

  publisherOf(subscription: SubscriptionRecord): PublisherConfig {
    const publisher = this.catalog.publisher(subscription.publisherId);
    if (!publisher) throw E.catalogChanged(subscription.publisherId);
    return publisher;
  }
}
