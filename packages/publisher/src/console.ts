// What the admin console does, for its pages and its JSON API alike: find subscriptions, show one's
// timeline, ask the marketplace for a change, run a job again, reconcile now.
import { MarketplaceError } from '@saas-fulfillment/client';
import type { Clock } from '@saas-fulfillment/contract';
import type { PublisherFulfillment } from './fulfillment/index.js';
import type { JobRecord, JobStatus } from './model/jobs.js';
import type { PublisherStore } from './store/repository.js';
import type { AuditEntry, PublisherChange, SubscriptionPage, SubscriptionTimeline } from './model/subscription.js';
import { PublisherErrors as E } from './errors.js';

export interface SubscriptionSearch {
  q?: string | undefined;
  status?: string | undefined;
  planId?: string | undefined;
  page?: string | undefined;
}

/** Subscriptions on one page of the console. */
const PAGE_SIZE = 25;

export class AdminConsole {
  constructor(
    private readonly store: PublisherStore,
    private readonly fulfillment: PublisherFulfillment,
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {}

  async findSubscriptions(query: SubscriptionSearch): Promise<SubscriptionPage> {
    const pageNumber = Math.max(1, Number(query.page ?? 1) || 1);
    const filter = {
      search: query.q?.trim() || undefined,
      status: query.status || undefined,
      planId: query.planId || undefined,
      offset: (pageNumber - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    };
    return { ...(await this.store.findSubscriptions(filter)), pageNumber, offset: filter.offset, limit: filter.limit };
  }

  async timeline(id: string): Promise<SubscriptionTimeline> {
    const { store } = this;
    const subscription = await store.getSubscription(id);
    if (!subscription) throw E.subscriptionNotFound(id);
    const [operations, audit, webhooks, events, jobs] = await Promise.all([
      store.operationsOf(id),
      store.auditOf({ subscriptionId: id, limit: 200 }),
      store.inboxOf(id),
      store.eventsOf(id, 50),
      store.jobs.list({ subscriptionId: id, limit: 50 }),
    ]);
    return { subscription, operations, audit, webhooks, events, jobs };
  }

  /** Asks the marketplace for a change; its refusal comes back as a 4xx naming the reason. */
  async requestChange(id: string, change: PublisherChange, actor: string): Promise<string> {
    try {
      return await this.fulfillment.changes.requestChange(id, change, actor);
    } catch (error) {
      if (error instanceof MarketplaceError && error.status >= 400 && error.status < 500) throw E.marketplaceRefused(error);
      throw error;
    }
  }

  /** Jobs of a status, or those waiting, running or failed. */
  jobs(status: JobStatus | undefined): Promise<JobRecord[]> {
    return this.store.jobs.list({ status: status ? [status] : ['pending', 'running', 'dead'], limit: 200 });
  }

  async retryJob(id: string): Promise<void> {
    if (!(await this.store.jobs.retry(id, this.clock.now().toISOString()))) throw E.jobNotFound(id);
    this.wake();
  }

  async reconcileNow(): Promise<void> {
    await this.store.jobs.enqueue({ kind: 'reconcile', payload: {}, runAt: this.clock.now().toISOString(), maxAttempts: 3 });
    this.wake();
  }

  driftRepairs() {
    return this.store.auditOf({ kind: 'drift-repair', limit: 200 });
  }

  /** The drift repairs, each with its subscription's offer: what names its plans in words. */
  async driftRepairsWithOffers(): Promise<{ entry: AuditEntry; offerId: string }[]> {
    const repairs = await this.driftRepairs();
    const subscriptions = await this.store.subscriptionsById([...new Set(repairs.map((r) => r.subscriptionId))]);
    return repairs.map((entry) => ({ entry, offerId: subscriptions.get(entry.subscriptionId)?.offerId ?? '' }));
  }
}
