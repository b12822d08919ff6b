// The rules time enforces, on the marketplace's clock: operations whose moment has come complete (the
// acknowledgement window, a publisher's change); a term ends in a renewal or a cancellation; a
// subscription Suspended for the grace period is cancelled.
import { addDuration, SUSPENSION_GRACE_DAYS, type OperationAction } from '@saas-fulfillment/contract';
import type { MarketplaceStore } from '../store/repository.js';
import type { FulfillmentContext } from './context.js';
import type { OperationEngine } from './operations.js';

const MAX_DUE_BATCH = 200;
const GRACE = { years: 0, months: 0, weeks: 0, days: SUSPENSION_GRACE_DAYS, hours: 0, minutes: 0, seconds: 0 };

export class TimeRules {
  constructor(
    private readonly ctx: FulfillmentContext,
    private readonly operations: OperationEngine,
  ) {}

  /** Applies everything that is due at the clock's now; returns how many things happened. */
  async runDueWork(): Promise<number> {
    const { ctx } = this;
    let done = 0;
    for (const operation of await ctx.store.operationsDue(ctx.now(), MAX_DUE_BATCH)) done += await this.operations.completeDue(operation.id);
    // A clock moved by years renews a subscription many times over: repeat until nothing is due.
    for (let round = 0; round < 100; round++) {
      const now = ctx.now();
      const graceStart = new Date(Date.parse(now) - SUSPENSION_GRACE_DAYS * 86_400_000).toISOString();
      const due = await ctx.store.subscriptionsDue(now, graceStart, MAX_DUE_BATCH);
      if (due.length === 0) break;
      for (const subscription of due) done += await ctx.store.transaction((tx) => this.applyTimeRule(tx, subscription.id));
    }
    if (done > 0) ctx.events.webhookQueued();
    return done;
  }

  /** Term end (renew, or end of trial, or cancel) and the end of the suspension grace period. */
  private async applyTimeRule(tx: MarketplaceStore, id: string): Promise<number> {
    const subscription = await tx.lockSubscription(id);
    if (!subscription) return 0;
    const now = this.ctx.now();
    let action: OperationAction | undefined;
    if (subscription.status === 'Subscribed' && subscription.termEnd !== undefined && subscription.termEnd <= now) {
      action = subscription.autoRenew ? 'Renew' : 'Unsubscribe';
    } else if (subscription.status === 'Suspended' && subscription.suspendedAt !== undefined) {
      if (addDuration(new Date(subscription.suspendedAt), GRACE).toISOString() <= now) action = 'Unsubscribe';
    }
    if (!action) return 0;
    await this.operations.applyNotice(tx, subscription, action);
    return 1;
  }
}
