// Publisher-initiated changes: a plan or seat change or a cancellation asked of the marketplace; the
// local copy changes only when the operation succeeds, which a job follows until it is final.
import type { Job } from '../model/jobs.js';
import type { PublisherChange } from '../model/subscription.js';
import { GiveUp, RetryLater } from '../model/jobs.js';
import { FulfillmentPart, toLocalOperation, type FulfillmentDeps } from './context.js';
import type { Projection } from './projection.js';

export class PublisherChanges extends FulfillmentPart {
  constructor(
    deps: FulfillmentDeps,
    private readonly projection: Projection,
  ) {
    super(deps);
  }

  /** Asks the marketplace for a change; the local copy changes only when the operation succeeds. */
  async requestChange(subscriptionId: string, change: PublisherChange, actor: string): Promise<string> {
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
    await this.projection.sync(subscriptionId, `publisher ${operation.action} (${operation.id})`, operation.timeStamp);
  }
}
