// Sends queued webhooks to publishers: a signed bearer JWT on each POST, a timeout, a log row per
// attempt, and retries with exponential backoff until the publisher answers 2xx or attempts run out.
import { backoffDelay, type Clock } from '@saas-fulfillment/contract';
import type { Catalog } from '../catalog.js';
import type { TokenService } from '../identity/tokens.js';
import type { MarketplaceSettings } from '../settings.js';
import type { MarketplaceStore } from '../store/repository.js';
import { noticeOf, type DeliveryRecord, type DeliveryStatus } from '../model/webhooks.js';
import type { Chaos } from '../simulator/chaos.js';

export interface DeliveryOutcome {
  delivery: DeliveryRecord;
  /** Set when the delivery reached a final state on this attempt. */
  settled: Exclude<DeliveryStatus, 'Pending'> | undefined;
}

export interface DispatcherDeps {
  store: MarketplaceStore;
  catalog: Catalog;
  tokens: TokenService;
  clock: Clock;
  settings: MarketplaceSettings;
  fetch: typeof fetch;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Webhooks dropped, doubled, late or out of order on a schedule (simulator chaos). */
  chaos?: Chaos;
}

/** The mark of a delivery chaos held back once: it is not drawn for again. */
const HELD_BACK = 'held back by chaos';

const BATCH = 16;

export class WebhookDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * Attempts every delivery that is due, a batch at a time, in parallel; returns the outcomes. Once
   * `signal` is aborted (the emulator is closing) a delivery in flight is called off and left as it was.
   */
  async deliverDue(signal?: AbortSignal): Promise<DeliveryOutcome[]> {
    const due = await this.deps.store.deliveriesDue(this.deps.clock.now().toISOString(), BATCH);
    const outcomes = await Promise.all(due.map((delivery) => this.withChaos(delivery, signal)));
    return outcomes.filter((outcome) => outcome !== undefined);
  }

  /** A first attempt may be dropped, doubled or held back when chaos is on; otherwise it is just made. */
  private async withChaos(delivery: DeliveryRecord, signal: AbortSignal | undefined): Promise<DeliveryOutcome | undefined> {
    const drawn = this.deps.chaos?.active && delivery.attempts === 0 && delivery.lastError !== HELD_BACK ? this.deps.chaos.webhook() : undefined;
    if (!drawn) return this.attempt(delivery, signal);
    const { clock } = this.deps;
    const now = clock.now().toISOString();
    if (drawn.kind === 'duplicate') {
      await this.post(delivery, signal).catch(() => undefined);
      return this.attempt(delivery, signal);
    }
    const held: DeliveryRecord =
      drawn.kind === 'drop'
        ? { ...delivery, status: 'Abandoned', lastError: 'dropped by chaos: never sent', finishedAt: now }
        : { ...delivery, lastError: HELD_BACK, nextAttemptAt: new Date(clock.now().getTime() + drawn.ms).toISOString() };
    await this.deps.store.transaction((tx) => tx.updateDelivery(held, { attempt: 0, at: now, statusCode: undefined, error: held.lastError, latencyMs: 0 }));
    this.deps.log.warn({ deliveryId: delivery.id, operationId: delivery.operationId, chaos: drawn }, 'webhook delivery changed by chaos');
    return { delivery: held, settled: drawn.kind === 'drop' ? 'Abandoned' : undefined };
  }

  /** One attempt, logged; undefined when it was called off by `signal` (nothing is recorded then). */
  private async attempt(delivery: DeliveryRecord, signal: AbortSignal | undefined): Promise<DeliveryOutcome | undefined> {
    const { clock, settings } = this.deps;
    const attempt = delivery.attempts + 1;
    const started = performance.now();
    const at = clock.now().toISOString();
    let statusCode: number | undefined;
    let error: string | undefined;
    try {
      statusCode = await this.post(delivery, signal);
    } catch (cause) {
      if (signal?.aborted) return undefined;
      error = describeFailure(cause, settings.webhook.timeoutMs);
    }
    const latencyMs = performance.now() - started;
    const settled = outcomeOf(statusCode, delivery, attempt, settings.webhook.maxAttempts);
    const updated: DeliveryRecord = {
      ...delivery,
      attempts: attempt,
      status: settled ?? 'Pending',
      lastStatusCode: statusCode,
      lastError: error ?? (statusCode !== undefined && (statusCode < 200 || statusCode >= 300) ? `HTTP ${statusCode}` : undefined),
      lastLatencyMs: latencyMs,
      nextAttemptAt: settled ? delivery.nextAttemptAt : new Date(clock.now().getTime() + backoffDelay(attempt, settings.webhook)).toISOString(),
      finishedAt: settled ? clock.now().toISOString() : undefined,
    };
    await this.deps.store.transaction((tx) => tx.updateDelivery(updated, { attempt, at, statusCode, error, latencyMs }));
    const summary = { deliveryId: delivery.id, operationId: delivery.operationId, attempt, statusCode, latencyMs: Math.round(latencyMs) };
    if (settled === 'Delivered') this.deps.log.info(summary, 'webhook delivered');
    else this.deps.log.warn({ ...summary, error: updated.lastError, status: updated.status }, 'webhook not accepted');
    return { delivery: updated, settled };
  }

  private async post(delivery: DeliveryRecord, signal: AbortSignal | undefined): Promise<number> {
    const publisher = this.deps.catalog.publisher(delivery.publisherId);
    if (!publisher) throw new Error(`publisher ${delivery.publisherId} is no longer in the catalog`);
    const token = await this.deps.tokens.signWebhookToken(publisher);
    const response = await this.deps.fetch(delivery.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: delivery.payload,
      signal: withTimeout(signal, this.deps.settings.webhook.timeoutMs),
      redirect: 'manual',
    });
    // The body is not read for meaning, but it must be drained so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  }
}

/**
 * 2xx ends the delivery. A 4xx to a plan or seat change is the publisher's "no" (reference §6) and ends it
 * too; anything else is retried until the attempts run out.
 */
function outcomeOf(statusCode: number | undefined, delivery: DeliveryRecord, attempt: number, maxAttempts: number): DeliveryOutcome['settled'] {
  if (statusCode !== undefined && statusCode >= 200 && statusCode < 300) return 'Delivered';
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429 && isRejectable(delivery))
    return 'Rejected';
  return attempt >= maxAttempts ? 'Abandoned' : undefined;
}

function isRejectable(delivery: DeliveryRecord): boolean {
  const { action, status } = noticeOf(delivery);
  return (action === 'ChangePlan' || action === 'ChangeQuantity') && status === 'InProgress';
}

/** A signal that aborts after `timeoutMs`, or sooner with `signal`. */
function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function describeFailure(cause: unknown, timeoutMs: number): string {
  if (cause instanceof DOMException && cause.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (cause instanceof Error) {
    const code = (cause.cause as { code?: string } | undefined)?.code;
    return code ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}
