// The publisher's fulfillment domain: activation after provisioning, webhooks verified with Get Operation
// and acknowledged inside the 10-second window, publisher-initiated changes, and keeping the local copy of
// each subscription equal to the marketplace's, never moving it backwards, with every change audited.
import type { Clock } from '@saas-fulfillment/contract';
import type { MarketplaceClient } from '@saas-fulfillment/client';
import { MarketplaceError } from '@saas-fulfillment/client';
import { ApiError } from '@saas-fulfillment/contract';
import type { SaaSOperation, Subscription } from '@saas-fulfillment/contract';
import type { OutboundEvents } from '../events/outbound.js';
import { GiveUp, RetryLater } from '../jobs/worker.js';
import type { PublisherStore } from '../store/repository.js';
import type { LocalOperation, LocalSubscription, OperationOutcome } from '../model.js';
import type { Job } from '../jobs/job.js';
import type { PublisherHooks } from './hooks.js';

export interface WebhookNotice {
  id: string;
  subscriptionId: string;
  action: string;
  raw: string;
}

interface FulfillmentLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PublisherFulfillmentDeps {
  store: PublisherStore;
  client: MarketplaceClient;
  clock: Clock;
  hooks: PublisherHooks;
  events: OutboundEvents;
  log: FulfillmentLog;
  /** Called after work is queued, so the worker runs it now rather than at its next poll. */
  wake: () => void;
}

/** An operation as the marketplace reports it, before we record what we made of it. */
type SeenOperation = Omit<LocalOperation, 'outcome' | 'reason' | 'updated'>;

/** The fields whose change is a state change (audited, announced). */
const TRACKED = ['status', 'planId', 'quantity', 'termStart', 'termEnd', 'autoRenew', 'isFreeTrial', 'name'] as const;

export class PublisherFulfillment {
  constructor(private readonly deps: PublisherFulfillmentDeps) {}

  private get store() {
    return this.deps.store;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  // Landing page

  /** Resolves a landing token server-side and records what it names. */
  async resolveLanding(token: string): Promise<LocalSubscription> {
    const resolved = await this.deps.client.resolve(token);
    return this.applySnapshot(resolved.subscription, { cause: 'landing page', kind: 'change' });
  }

  /** Queues provisioning and activation (durably); the landing page then waits briefly for the outcome. */
  async requestActivation(subscriptionId: string): Promise<string | undefined> {
    const jobId = await this.store.transaction(async (tx) => {
      const local = await tx.getSubscription(subscriptionId, true);
      if (!local) throw new ApiError(404, 'EntityNotFound', `No subscription ${subscriptionId} is known here`, 'subscriptionId');
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
    if (local.status !== 'PendingFulfillmentStart') return void (await this.sync(id, 'activation (already active)'));
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
    await this.sync(id, 'activation');
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

  // Webhooks

  /** Writes a verified webhook durably, deduplicated on the operation id; true when it was new. */
  async receiveWebhook(notice: WebhookNotice): Promise<boolean> {
    const fresh = await this.store.transaction(async (tx) => {
      const isNew = await tx.recordWebhook(notice.id, notice.subscriptionId, notice.action, notice.raw, this.now());
      if (isNew)
        await tx.jobs.enqueue({
          kind: 'webhook',
          payload: { operationId: notice.id, subscriptionId: notice.subscriptionId, action: notice.action },
          dedupeKey: `webhook:${notice.id}`,
          runAt: this.now(),
          maxAttempts: 10,
        });
      return isNew;
    });
    if (fresh) this.deps.wake();
    return fresh;
  }

  /**
   * Job: checks the operation with Get Operation (a webhook proves nothing by itself), decides and
   * acknowledges what waits on us, then brings the local subscription to the marketplace's state.
   */
  async processWebhook(job: Job<'webhook'>): Promise<void> {
    const { subscriptionId, operationId } = job.payload;
    let operation: SaaSOperation;
    try {
      operation = await this.deps.client.getOperation(subscriptionId, operationId);
    } catch (error) {
      if (error instanceof MarketplaceError && (error.status === 404 || error.status === 400)) {
        await this.recordOperation(
          {
            id: operationId,
            subscriptionId,
            action: job.payload.action,
            source: undefined,
            marketplaceStatus: 'Unknown',
            planId: undefined,
            quantity: undefined,
            timeStamp: this.now(),
          },
          'ignored',
          'Get Operation does not know it: not acted on',
        );
        throw new GiveUp(`operation ${operationId} is unknown to the marketplace`);
      }
      throw error;
    }
    if (operation.subscriptionId !== subscriptionId) throw new GiveUp(`operation ${operationId} belongs to another subscription`);
    const seen = toLocalOperation(operation);
    await this.recordOperation(seen, 'received', undefined);

    const waitsOnUs = operation.status === 'InProgress' && operation.operationRequestSource !== 'Partner';
    if (waitsOnUs && (operation.action === 'ChangePlan' || operation.action === 'ChangeQuantity')) await this.decide(seen, operation.action);
    else if (waitsOnUs && operation.action === 'Reinstate') await this.reinstate(seen);
    await this.sync(subscriptionId, `webhook ${operation.action} (${operationId})`, operation.timeStamp);
    const outcome = await this.store.getOperation(operationId);
    if (outcome?.outcome === 'received') await this.recordOperation(seen, 'applied', undefined);
  }

  private async decide(operation: SeenOperation, action: 'ChangePlan' | 'ChangeQuantity'): Promise<void> {
    const local =
      (await this.store.getSubscription(operation.subscriptionId)) ?? (await this.sync(operation.subscriptionId, 'webhook for an unknown subscription'));
    let decision: { accept: boolean; reason?: string };
    try {
      decision = await this.deps.hooks.decide({
        subscription: local,
        action,
        planId: operation.planId,
        quantity: operation.quantity,
        operationId: operation.id,
      });
    } catch (error) {
      decision = { accept: false, reason: `decision hook failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    await this.acknowledge(operation, decision.accept ? 'Success' : 'Failure', decision.accept ? 'accepted' : 'rejected', decision.reason);
  }

  private async reinstate(operation: SeenOperation): Promise<void> {
    const local =
      (await this.store.getSubscription(operation.subscriptionId)) ?? (await this.sync(operation.subscriptionId, 'webhook for an unknown subscription'));
    await this.deps.hooks.restore(local);
    await this.acknowledge(operation, 'Success', 'accepted', 'access restored');
  }

  /** PATCHes the operation; a 409 means it is already final (the window closed), which is recorded as such. */
  private async acknowledge(operation: SeenOperation, status: 'Success' | 'Failure', outcome: OperationOutcome, reason: string | undefined): Promise<void> {
    try {
      await this.deps.client.updateOperation(operation.subscriptionId, operation.id, { status });
      // Our PATCH is what completes the operation on Microsoft's side.
      await this.recordOperation({ ...operation, marketplaceStatus: status === 'Success' ? 'Succeeded' : 'Failed' }, outcome, reason);
    } catch (error) {
      if (!(error instanceof MarketplaceError) || error.status !== 409) throw error;
      const final = await this.deps.client.getOperation(operation.subscriptionId, operation.id);
      await this.recordOperation(
        toLocalOperation(final),
        'failed',
        `could not ${status === 'Success' ? 'accept' : 'reject'}: the operation was already ${final.status}`,
      );
      this.deps.log.warn({ operationId: operation.id, status: final.status }, 'operation was final before our acknowledgement');
    }
  }

  private async recordOperation(o: SeenOperation, outcome: OperationOutcome, reason: string | undefined): Promise<void> {
    await this.store.saveOperation({ ...o, outcome, reason, updated: this.now() });
  }

  // Publisher-initiated changes

  /** Asks the marketplace for a change; the local copy changes only when the operation succeeds. */
  async requestChange(subscriptionId: string, change: { planId: string } | { quantity: number } | 'cancel', actor: string): Promise<string> {
    const { client } = this.deps;
    const planId = change !== 'cancel' && 'planId' in change ? change.planId : undefined;
    const quantity = change !== 'cancel' && 'quantity' in change ? change.quantity : undefined;
    const action = change === 'cancel' ? 'Unsubscribe' : planId !== undefined ? 'ChangePlan' : 'ChangeQuantity';
    const accepted =
      change === 'cancel'
        ? await client.unsubscribe(subscriptionId)
        : 'planId' in change
          ? await client.changePlan(subscriptionId, change.planId)
          : await client.changeQuantity(subscriptionId, change.quantity);
    await this.store.transaction(async (tx) => {
      await tx.saveOperation({
        id: accepted.operationId,
        subscriptionId,
        action,
        source: 'Partner',
        marketplaceStatus: 'InProgress',
        planId,
        quantity,
        timeStamp: this.now(),
        outcome: 'requested',
        reason: `by ${actor}`,
        updated: this.now(),
      });
      await tx.audit({
        subscriptionId,
        at: this.now(),
        kind: 'change-requested',
        cause: actor,
        detail: `${action}${planId ? ` to ${planId}` : ''}${quantity !== undefined ? ` to ${quantity} seats` : ''} (operation ${accepted.operationId})`,
        before: undefined,
        after: undefined,
      });
      await tx.jobs.enqueue({
        kind: 'await-operation',
        payload: { subscriptionId, operationId: accepted.operationId, since: this.now() },
        dedupeKey: `await:${accepted.operationId}`,
        runAt: this.now(),
        maxAttempts: 20,
      });
    });
    this.deps.wake();
    return accepted.operationId;
  }

  /** Job: polls a publisher-initiated operation until it is final, then syncs. */
  async awaitOperation(job: Job<'await-operation'>): Promise<void> {
    const { subscriptionId, operationId, since } = job.payload;
    const operation = await this.deps.client.getOperation(subscriptionId, operationId);
    if (operation.status === 'InProgress' || operation.status === 'NotStarted') {
      if (Date.parse(this.now()) - Date.parse(since) > 60 * 60_000) throw new GiveUp('operation still in progress after an hour');
      throw new RetryLater(1000, `operation ${operation.id} is ${operation.status}`);
    }
    const local = toLocalOperation(operation);
    await this.recordOperation(
      local,
      operation.status === 'Succeeded' ? 'applied' : 'failed',
      operation.status === 'Succeeded' ? undefined : `marketplace: ${operation.status}`,
    );
    await this.sync(subscriptionId, `publisher ${operation.action} (${operation.id})`, operation.timeStamp);
  }

  // Keeping the local copy equal to the marketplace's

  /** Reads the subscription from the marketplace and applies it. */
  async sync(subscriptionId: string, cause: string, version?: string): Promise<LocalSubscription> {
    const snapshot = await this.deps.client.getSubscription(subscriptionId);
    return this.applySnapshot(snapshot, { cause, kind: 'change', version });
  }

  /**
   * Applies the marketplace's view of a subscription unless it is older than what we hold (a late or
   * reordered delivery), auditing each changed field and queuing an event, all in one transaction.
   */
  async applySnapshot(
    snapshot: Subscription,
    how: { cause: string; kind: 'change' | 'drift-repair'; version?: string | undefined },
  ): Promise<LocalSubscription> {
    const now = this.now();
    const version = snapshot.lastModified ?? how.version ?? now;
    return this.store.transaction(async (tx) => {
      const current = await tx.getSubscription(snapshot.id, true);
      const next = fromSnapshot(snapshot, current, version, now);
      if (current && version < current.version) return current;
      const changes = current ? TRACKED.filter((field) => JSON.stringify(current[field]) !== JSON.stringify(next[field])) : ['created' as const];
      if (current && changes.length === 0) return current;
      await tx.saveSubscription(next);
      if (!current && next.provisioning === 'pending') {
        await tx.jobs.enqueue({
          kind: 'provision',
          payload: { subscriptionId: next.id, cause: how.cause },
          dedupeKey: `provision:${next.id}`,
          runAt: now,
          maxAttempts: 10,
        });
      }
      await tx.audit({
        subscriptionId: snapshot.id,
        at: now,
        kind: how.kind,
        cause: how.cause,
        detail: current
          ? changes
              .map((f) => `${f}: ${String(current[f as keyof LocalSubscription] ?? '—')} → ${String(next[f as keyof LocalSubscription] ?? '—')}`)
              .join('; ')
          : `recorded as ${next.status}`,
        before: current ? Object.fromEntries(changes.map((f) => [f, current[f as keyof LocalSubscription] ?? null])) : undefined,
        after: Object.fromEntries((current ? changes : TRACKED).map((f) => [f, next[f as keyof LocalSubscription] ?? null])),
      });
      await this.deps.events.queue(tx, eventType(current, next), next, how.cause);
      return next;
    });
  }

  // Reconciliation

  /** Pages through every marketplace subscription and repairs local drift; returns how many were repaired. */
  async reconcile(): Promise<{ checked: number; repaired: number }> {
    let checked = 0;
    let repaired = 0;
    for await (const snapshot of this.deps.client.listSubscriptions()) {
      checked++;
      const before = await this.store.getSubscription(snapshot.id);
      const after = await this.applySnapshot(snapshot, { cause: 'reconciliation', kind: 'drift-repair', version: this.now() });
      if (before === undefined || before.updated !== after.updated) repaired++;
    }
    this.deps.log.info({ checked, repaired }, 'reconciliation finished');
    return { checked, repaired };
  }
}

function toLocalOperation(o: SaaSOperation): SeenOperation {
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

function fromSnapshot(s: Subscription, current: LocalSubscription | undefined, version: string, now: string): LocalSubscription {
  return {
    id: s.id,
    publisherId: s.publisherId,
    offerId: s.offerId,
    planId: s.planId,
    quantity: s.quantity,
    status: s.saasSubscriptionStatus,
    name: s.name ?? '',
    purchaser: s.purchaser ?? {},
    beneficiary: s.beneficiary ?? {},
    termUnit: s.term?.termUnit,
    termStart: s.term?.startDate,
    termEnd: s.term?.endDate,
    autoRenew: s.autoRenew ?? false,
    isFreeTrial: s.isFreeTrial ?? false,
    isTest: s.isTest ?? false,
    version: current && current.version > version ? current.version : version,
    // Active on Microsoft's side but new to us (auto-activated, or found by reconciliation): provision it.
    provisioning: current?.provisioning ?? (s.saasSubscriptionStatus === 'Subscribed' || s.saasSubscriptionStatus === 'Suspended' ? 'pending' : 'none'),
    provisioningError: current?.provisioningError,
    activatedAt: current?.activatedAt ?? (current?.status === 'PendingFulfillmentStart' && s.saasSubscriptionStatus === 'Subscribed' ? now : undefined),
    created: current?.created ?? now,
    updated: now,
  };
}

/** The event name for a change, most specific first. */
function eventType(before: LocalSubscription | undefined, after: LocalSubscription): string {
  if (!before) return 'subscription.created';
  if (before.status !== after.status) {
    if (before.status === 'PendingFulfillmentStart' && after.status === 'Subscribed') return 'subscription.activated';
    if (before.status === 'Suspended' && after.status === 'Subscribed') return 'subscription.reinstated';
    return `subscription.${after.status.toLowerCase()}`;
  }
  if (before.planId !== after.planId) return 'subscription.plan_changed';
  if (before.quantity !== after.quantity) return 'subscription.quantity_changed';
  if (before.termEnd !== after.termEnd) return 'subscription.renewed';
  return 'subscription.updated';
}
