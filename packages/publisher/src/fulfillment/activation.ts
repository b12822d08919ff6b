// Activation: the landing page resolves the buyer's token; confirming queues provisioning (the
// vendor's hook) and then the marketplace's Activate, through the jobs table. A subscription the
// marketplace activated by itself (auto-activation, or found by reconciliation) is provisioned too.

import type { Job } from '../model/jobs.js';
import { GiveUp } from '../model/jobs.js';
import type { LocalSubscription } from '../model/subscription.js';
import { FulfillmentPart, type FulfillmentDeps } from './context.js';
import type { Projection } from './projection.js';
import { LandingResolutions } from './resolutions.js';
import { PublisherErrors as E } from '../errors.js';

export class Activation extends FulfillmentPart {
  private readonly resolutions: LandingResolutions;

  constructor(
    deps: FulfillmentDeps,
    private readonly projection: Projection,
  ) {
    super(deps);
    this.resolutions = new LandingResolutions(
      async (token) => this.projection.applySnapshot((await deps.client.resolve(token)).subscription, { cause: 'landing page', kind: 'change' }),
      (id) => this.store.getSubscription(id),
      deps.clock,
      deps.landingResolvesPerMinute === undefined ? {} : { callsPerAddressPerMinute: deps.landingResolvesPerMinute },
    );
  }

  /** Resolves a landing token server-side and records what it names. */
  /** The subscription a landing token names, asked of Microsoft once per short while (LandingResolutions). */
  resolveLanding(token: string, address: string): Promise<LocalSubscription> {
    return this.resolutions.resolve(token, address);
  }

  /** Queues provisioning and activation (durably); the landing page then waits briefly for the outcome. */
  async requestActivation(subscriptionId: string): Promise<string | undefined> {
    const jobId = await this.store.transaction(async (tx) => {
      const local = await tx.getSubscription(subscriptionId, true);
      if (!local) throw E.subscriptionNotFound(subscriptionId);
      if (local.provisioning === 'none' || local.provisioning === 'failed')
        await tx.saveSubscription({ ...local, provisioning: 'pending', provisioningError: undefined, updated: this.now() });
      return tx.jobs.enqueue({ kind: 'activate', payload: { subscriptionId }, dedupeKey: `activate:${subscriptionId}`, runAt: this.now(), maxAttempts: 10 });
    });
    this.deps.wake();
    return jobId;
  }

  /** Job: run the provisioning hook, then activate, then record the result. */
  async activate(job: Job<'activate'>): Promise<void> {
    const id = job.payload.subscriptionId;
    const local = await this.store.getSubscription(id);
    if (!local) throw new GiveUp(`unknown subscription ${id}`);
    if (local.status !== 'PendingFulfillmentStart') return void (await this.projection.sync(id, 'activation (already active)'));
    try {
      await this.deps.hooks.provision(local);
    } catch (error) {
      await this.markProvisioning(id, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
    await this.markProvisioning(id, 'done', undefined);
    await this.deps.client.activate(id, { planId: local.planId, quantity: local.quantity });
    await this.store.audit({
      subscriptionId: id,
      at: this.now(),
      kind: 'activated',
      cause: 'landing page',
      detail: `activated on plan ${local.planId}`,
      before: undefined,
      after: undefined,
    });
    await this.projection.sync(id, 'activation');
  }

  /**
   * Job: provisions a subscription the marketplace activated without us (an auto-activated plan's
   * Subscribe webhook, or one reconciliation found): the provisioning hook, retried until it succeeds,
   * then recorded as activated, with its audit entry and app event.
   */
  async provision(job: Job<'provision'>): Promise<void> {
    const { subscriptionId: id, cause } = job.payload;
    const local = await this.store.getSubscription(id);
    if (!local) throw new GiveUp(`unknown subscription ${id}`);
    if (local.provisioning === 'done') return;
    try {
      await this.deps.hooks.provision(local);
    } catch (error) {
      await this.markProvisioning(id, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
    await this.store.transaction(async (tx) => {
      const current = await tx.getSubscription(id, true);
      if (!current || current.provisioning === 'done') return;
      const now = this.now();
      const done = { ...current, provisioning: 'done' as const, provisioningError: undefined, activatedAt: current.activatedAt ?? now, updated: now };
      await tx.saveSubscription(done);
      await tx.audit({
        subscriptionId: id,
        at: now,
        kind: 'activated',
        cause,
        detail: `provisioned; active on plan ${current.planId} (activated by the marketplace)`,
        before: undefined,
        after: undefined,
      });
      await this.deps.events.queue(tx, 'subscription.activated', done, cause);
    });
  }

  private async markProvisioning(id: string, provisioning: 'done' | 'failed', error: string | undefined): Promise<void> {
    await this.store.transaction(async (tx) => {
      const local = await tx.getSubscription(id, true);
      if (!local) return;
      await tx.saveSubscription({ ...local, provisioning, provisioningError: error, updated: this.now() });
      await tx.audit({
        subscriptionId: id,
        at: this.now(),
        kind: provisioning === 'done' ? 'provisioned' : 'provisioning-failed',
        cause: 'provisioning hook',
        detail: error ?? 'provisioned',
        before: undefined,
        after: undefined,
      });
    });
  }
}
