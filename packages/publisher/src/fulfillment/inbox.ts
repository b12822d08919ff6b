// The webhook inbox: a verified webhook is written durably (deduplicated on the operation id) and
// answered at once; its job checks the operation with Get Operation (a webhook proves nothing by
// itself), decides and acknowledges what waits on us inside the window, then syncs the subscription.
import { MarketplaceError } from '@saas-fulfillment/client';
import type { SaaSOperation } from '@saas-fulfillment/contract';
import type { Job } from '../model/jobs.js';
import { GiveUp } from '../model/jobs.js';
import { coalesce, type Outcome } from '@saas-fulfillment/store';
import type { OperationOutcome } from '../model/subscription.js';
import type { WebhookReceipt } from '../model/webhooks.js';
import { FulfillmentPart, toLocalOperation, type FulfillmentDeps, type SeenOperation } from './context.js';
import type { Projection } from './projection.js';

/** The most webhooks one write takes in. */
const MAX_BATCH = 64;

export class WebhookInbox extends FulfillmentPart {
  constructor(
    deps: FulfillmentDeps,
    private readonly projection: Projection,
  ) {
    super(deps);
  }

  /**
   * Writes a verified webhook durably, deduplicated on the operation id, with the job that handles it;
   * resolves true when it was new, once it is on disk. Webhooks that arrive together share the write;
   * PostgreSQL commits batches side by side on its pool, SQLite has one writer.
   */
  readonly receiveWebhook: (receipt: WebhookReceipt) => Promise<boolean> = coalesce(
    (receipts) => this.writeBatch(receipts),
    MAX_BATCH,
    this.store.dialect === 'postgres' ? 4 : 1,
  );

  private async writeBatch(receipts: WebhookReceipt[]): Promise<Outcome<boolean>[]> {
    const fresh = await this.store.transaction(async (tx) => {
      const at = this.now();
      const isNew = await tx.recordWebhooks(receipts, at);
      const jobs = receipts
        .filter((_, i) => isNew[i])
        .map(({ operationId, subscriptionId, action, traceContext }) => ({
          kind: 'webhook' as const,
          payload: { operationId, subscriptionId, action },
          runAt: at,
          maxAttempts: 10,
          traceContext,
        }));
      await tx.jobs.enqueueAll(jobs);
      return isNew;
    });
    if (fresh.includes(true)) this.deps.wake();
    return fresh.map((value) => ({ ok: true, value }));
  }

  /**
   * Takes in the operations still waiting on us that no webhook brought (a delivery lost for good): for
   * the given subscriptions, List Operations (O1), and each one it names is handled as if its webhook
   * had come. A Reinstate waits on the publisher without end, so a lost one would leave a customer who
   * paid suspended. Returns how many were new.
   */
  async adoptOutstanding(subscriptionIds: readonly string[]): Promise<number> {
    let adopted = 0;
    for (const subscriptionId of subscriptionIds) {
      for (const operation of await this.deps.client.listOperations(subscriptionId)) {
        if (operation.status !== 'InProgress') continue;
        const fresh = await this.receiveWebhook({ operationId: operation.id, subscriptionId, action: operation.action, payload: JSON.stringify(operation) });
        if (fresh) adopted++;
      }
    }
    if (adopted > 0) this.deps.log.warn({ adopted }, 'took in operations whose webhook never came');
    return adopted;
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
    if (waitsOnUs && (operation.action === 'ChangePlan' || operation.action === 'ChangeQuantity')) await this.decide(seen, operation.action, job.created);
    else if (waitsOnUs && operation.action === 'Reinstate') await this.reinstate(seen, job.created);
    await this.projection.sync(subscriptionId, `webhook ${operation.action} (${operationId})`, operation.timeStamp);
    const outcome = await this.store.getOperation(operationId);
    if (outcome?.outcome === 'received') await this.recordOperation(seen, 'applied', undefined);
  }

  private async decide(operation: SeenOperation, action: 'ChangePlan' | 'ChangeQuantity', receivedAt: string): Promise<void> {
    const local =
      (await this.store.getSubscription(operation.subscriptionId)) ??
      (await this.projection.sync(operation.subscriptionId, 'webhook for an unknown subscription'));
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
    await this.acknowledge(operation, receivedAt, decision.accept ? 'Success' : 'Failure', decision.accept ? 'accepted' : 'rejected', decision.reason);
  }

  private async reinstate(operation: SeenOperation, receivedAt: string): Promise<void> {
    const local =
      (await this.store.getSubscription(operation.subscriptionId)) ??
      (await this.projection.sync(operation.subscriptionId, 'webhook for an unknown subscription'));
    await this.deps.hooks.restore(local);
    await this.acknowledge(operation, receivedAt, 'Success', 'accepted', 'access restored');
  }

  /**
   * PATCHes the operation; a 409 means it is already final (the window closed), which is recorded as such.
   * How long after the webhook arrived (`receivedAt`, our clock) goes to the metrics: Microsoft allows 10 s.
   */
  private async acknowledge(
    operation: SeenOperation,
    receivedAt: string,
    status: 'Success' | 'Failure',
    outcome: OperationOutcome,
    reason: string | undefined,
  ): Promise<void> {
    const since = () => (this.deps.clock.now().getTime() - Date.parse(receivedAt)) / 1000;
    try {
      await this.deps.client.updateOperation(operation.subscriptionId, operation.id, { status });
      this.deps.observer?.acknowledged(status === 'Success' ? 'accepted' : 'rejected', since());
      // Our PATCH is what completes the operation on Microsoft's side.
      await this.recordOperation({ ...operation, marketplaceStatus: status === 'Success' ? 'Succeeded' : 'Failed' }, outcome, reason);
    } catch (error) {
      if (!(error instanceof MarketplaceError) || error.status !== 409) throw error;
      this.deps.observer?.acknowledged('too_late', since());
      const final = await this.deps.client.getOperation(operation.subscriptionId, operation.id);
      await this.recordOperation(
        toLocalOperation(final),
        'failed',
        `could not ${status === 'Success' ? 'accept' : 'reject'}: the operation was already ${final.status}`,
      );
      this.deps.log.warn({ operationId: operation.id, status: final.status }, 'operation was final before our acknowledgement');
    }
  }
}
