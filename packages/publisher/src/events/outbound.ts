// Signed events to the vendor's own application on every subscription state change (Standard Webhooks:
// webhook-id, webhook-timestamp, webhook-signature), queued in the same transaction as the change and
// delivered from the jobs table with retries and a delivery log.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Clock, EventType, SubscriptionEvent } from '@saas-fulfillment/contract';
import type { PublisherStore } from '../store/repository.js';
import type { LocalSubscription } from '../model/subscription.js';
import type { Job } from '../model/jobs.js';
import { GiveUp } from '../model/jobs.js';

export interface OutboundConfig {
  /** The vendor app's endpoint for subscription events; unset: no events are sent. */
  url: string | undefined;
  /** Standard Webhooks secret (`whsec_` + base64). */
  secret: string | undefined;
}

export class OutboundEvents {
  private readonly signer: Webhook | undefined;

  constructor(
    private readonly config: OutboundConfig,
    private readonly clock: Clock,
    private readonly fetcher: typeof fetch = fetch,
  ) {
    this.signer = config.url && config.secret ? new Webhook(config.secret) : undefined;
  }

  get enabled(): boolean {
    return this.signer !== undefined;
  }

  /** Queues an event inside the caller's transaction: it exists only if the change it reports does. */
  async queue(tx: PublisherStore, type: EventType, subscription: LocalSubscription, cause: string): Promise<void> {
    if (!this.enabled) return;
    const id = `evt_${randomUUID()}`;
    const now = this.clock.now().toISOString();
    const event: SubscriptionEvent = {
      type,
      timestamp: now,
      data: {
        subscriptionId: subscription.id,
        offerId: subscription.offerId,
        planId: subscription.planId,
        quantity: subscription.quantity ?? null,
        status: subscription.status,
        beneficiaryTenantId: subscription.beneficiary.tenantId ?? null,
        cause,
      },
    };
    const payload = JSON.stringify(event);
    await tx.insertEvent({
      id,
      type,
      subscriptionId: subscription.id,
      payload,
      status: 'pending',
      attempts: 0,
      lastStatusCode: undefined,
      lastError: undefined,
      created: now,
      deliveredAt: undefined,
    });
    await tx.jobs.enqueue({
      kind: 'deliver-event',
      payload: { eventId: id, subscriptionId: subscription.id },
      dedupeKey: `event:${id}`,
      runAt: now,
      maxAttempts: 12,
    });
  }

  /** The job handler: one signed POST; a non-2xx answer throws so the queue retries with backoff. */
  async deliver(store: PublisherStore, job: Job<'deliver-event'>): Promise<void> {
    const event = await store.getEvent(job.payload.eventId);
    if (!event) throw new GiveUp(`event ${job.payload.eventId} no longer exists`);
    if (event.status === 'delivered') return;
    if (!this.signer || !this.config.url) throw new GiveUp('outbound events are not configured');
    const at = this.clock.now();
    const signature = this.signer.sign(event.id, at, event.payload);
    let statusCode: number | undefined;
    let error: string | undefined;
    try {
      const response = await this.fetcher(this.config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: event.payload,
        signal: AbortSignal.timeout(15_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      statusCode = response.status;
      if (!response.ok) error = `HTTP ${response.status}`;
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    }
    const final = error !== undefined && job.attempts >= job.maxAttempts;
    await store.recordEventAttempt(event.id, {
      status: error === undefined ? 'delivered' : final ? 'failed' : 'pending',
      statusCode,
      error,
      at: at.toISOString(),
    });
    if (error !== undefined) throw new Error(`event delivery failed: ${error}`);
  }
}
