// The projection: the local copy of each subscription kept equal to the marketplace's, never moved
// backwards by a late or reordered delivery, every change audited and announced to the vendor's app;
// reconciliation pages through the marketplace and repairs what drifted. The other parts call it.
import { EVENT_TYPES, type EventType, type Subscription } from '@saas-fulfillment/contract';
import type { LocalSubscription } from '../model/subscription.js';
import { FulfillmentPart } from './context.js';

/** The fields whose change is a state change (audited, announced). */
const TRACKED = ['status', 'planId', 'quantity', 'termStart', 'termEnd', 'autoRenew', 'isFreeTrial', 'name'] as const;

export class Projection extends FulfillmentPart {
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

  /** Pages through every marketplace subscription and repairs local drift; returns how many were repaired. */
  async reconcile(): Promise<{ checked: number; repaired: number; suspended: string[] }> {
    let checked = 0;
    let repaired = 0;
    const suspended: string[] = [];
    for await (const snapshot of this.deps.client.listSubscriptions()) {
      checked++;
      if (snapshot.saasSubscriptionStatus === 'Suspended') suspended.push(snapshot.id);
      const before = await this.store.getSubscription(snapshot.id);
      const after = await this.applySnapshot(snapshot, { cause: 'reconciliation', kind: 'drift-repair', version: this.now() });
      if (before === undefined || before.updated !== after.updated) repaired++;
    }
    this.deps.log.info({ checked, repaired }, 'reconciliation finished');
    this.deps.observer?.reconciled(repaired);
    return { checked, repaired, suspended };
  }
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
function eventType(before: LocalSubscription | undefined, after: LocalSubscription): EventType {
  if (!before) return 'subscription.created';
  if (before.status !== after.status) {
    if (before.status === 'PendingFulfillmentStart' && after.status === 'Subscribed') return 'subscription.activated';
    if (before.status === 'Suspended' && after.status === 'Subscribed') return 'subscription.reinstated';
    const named = `subscription.${after.status.toLowerCase()}`;
    // A status newer than this code has no event of its own: the change is still announced.
    return (EVENT_TYPES as readonly string[]).includes(named) ? (named as EventType) : 'subscription.updated';
  }
  if (before.planId !== after.planId) return 'subscription.plan_changed';
  if (before.quantity !== after.quantity) return 'subscription.quantity_changed';
  if (before.termEnd !== after.termEnd) return 'subscription.renewed';
  return 'subscription.updated';
}
