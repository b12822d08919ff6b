// MarketplaceClient: one typed method per endpoint of the SaaS Fulfillment API v2 (subscriptions and
// operations) and of the Metering Service API, over Node's fetch, with Entra tokens, request/correlation
// ids, retries and typed errors (transport.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MAX_BATCH_EVENTS,
  type GetUsageEvent,
  type Plan,
  type ReconStatus,
  type ResolvedSubscription,
  type SaaSOperation,
  type Subscription,
  type UpdateOperation,
  type UsageEvent,
} from '@saas-fulfillment/contract';
import type { TokenCredential } from './credentials.js';
import { MarketplaceError } from './errors.js';
import { parseBatchResults, parseUsageEvents, parseUsageResult, type UsageEventResult } from './metering.js';
import { parseOperation, parseOperations, parsePlans, parseResolved, parseSubscription, parseSubscriptionPage, type UnknownValueReport } from './parse.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { Transport, type AttemptObserver, type CallOptions, type ClientLogger } from './transport.js';

export type { AttemptObserver, AttemptSeen, CallOptions, ClientLogger } from './transport.js';

export const PRODUCTION_API = 'https://marketplaceapi.microsoft.com/api';
const TERMINAL: readonly string[] = ['Succeeded', 'Failed', 'Conflict'];

export interface MarketplaceClientOptions {
  /** `https://marketplaceapi.microsoft.com/api` in production; `http://127.0.0.1:4010/api` for the emulator. */
  baseUrl?: string;
  credential: TokenCredential;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  logger?: ClientLogger;
}

/** What a publisher-initiated change returns: the operation to poll. */
export interface AcceptedOperation {
  operationId: string;
  operationLocation: string;
}

/** Filters of GET /usageEvents; dates are ISO 8601 days or instants (UTC). */
export interface UsageQuery {
  usageStartDate: string;
  usageEndDate?: string;
  offerId?: string;
  planId?: string;
  dimension?: string;
  azureSubscriptionId?: string;
  reconStatus?: ReconStatus;
}

/**
 * The marketplace's fulfillment and operations APIs.
 *
 * @example
 * const client = new MarketplaceClient({ credential: new ClientSecretCredential({ tenantId, clientId, clientSecret }) });
 * const resolved = await client.resolve(landingPageToken(request.url));
 * await client.activate(resolved.id, { planId: resolved.planId, quantity: resolved.quantity });
 */
export class MarketplaceClient {
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly observers = new Set<AttemptObserver>();
  /** Each value Microsoft added since this library was written is logged once, then kept quietly. */
  private readonly unknown: UnknownValueReport;

  constructor(options: MarketplaceClientOptions) {
    this.baseUrl = (options.baseUrl ?? PRODUCTION_API).replace(/\/+$/, '');
    this.transport = new Transport({
      baseUrl: this.baseUrl,
      credential: options.credential,
      fetch: options.fetch ?? globalThis.fetch,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      timeoutMs: options.timeoutMs ?? 30_000,
      logger: options.logger,
      observers: this.observers,
    });
    this.unknown = warnOnce(options.logger);
  }

  /**
   * Tells `observer` of every attempt at every call, retries included: the method, the status (undefined
   * when no answer came) and how long it took. For metrics; returns the function that stops it.
   */
  observe(observer: AttemptObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Exchanges a landing-page token (already URL-decoded once: see `landingPageToken`) for its subscription. */
  async resolve(marketplaceToken: string, options: CallOptions = {}): Promise<ResolvedSubscription> {
    // A token is printable ASCII; anything else could not even be sent as a header, so it is refused as the
    // service would refuse a bad token (400), without spending a call.
    if (!/^[\x20-\x7e]+$/.test(marketplaceToken)) {
      throw new MarketplaceError('resolve: the landing page token is empty or has characters no marketplace token has', {
        status: 400,
        code: 'BadArgument',
        target: 'x-ms-marketplace-token',
        method: 'resolve',
        requestId: '',
        correlationId: '',
        attempts: 0,
      });
    }
    const answer = await this.transport.call({
      ...options,
      name: 'resolve',
      method: 'POST',
      path: '/saas/subscriptions/resolve',
      headers: { 'x-ms-marketplace-token': marketplaceToken },
      idempotent: true,
    });
    return parseResolved(answer.body, this.unknown);
  }

  /** Every subscription of the publisher, all offers and states, page after page (`@nextLink`). */
  async *listSubscriptions(options: CallOptions = {}): AsyncGenerator<Subscription, void, undefined> {
    let next: string | undefined = '/saas/subscriptions';
    const seen = new Set<string>();
    while (next !== undefined) {
      if (seen.has(next)) throw this.transport.localError('listSubscriptions', `@nextLink repeats ${next}`, 'InvalidNextLink');
      seen.add(next);
      const answer = await this.transport.call({ ...options, name: 'listSubscriptions', method: 'GET', path: next, idempotent: true });
      const page = parseSubscriptionPage(answer.body, this.unknown);
      yield* page.subscriptions;
      next = page.nextLink;
    }
  }

  async getSubscription(subscriptionId: string, options: CallOptions = {}): Promise<Subscription> {
    const answer = await this.transport.call({ ...options, name: 'getSubscription', method: 'GET', path: subscriptionPath(subscriptionId), idempotent: true });
    return parseSubscription(answer.body, this.unknown);
  }

  /** Plans the subscription may move to (public, and private ones for this customer), the current one included. */
  async listAvailablePlans(subscriptionId: string, planId?: string, options: CallOptions = {}): Promise<Plan[]> {
    const answer = await this.transport.call({
      ...options,
      name: 'listAvailablePlans',
      method: 'GET',
      path: `${subscriptionPath(subscriptionId)}/listAvailablePlans`,
      query: { planId },
      idempotent: true,
    });
    return parsePlans(answer.body);
  }

  /**
   * Activates a purchase: billing starts. Retried like a read; if a retry meets "already Subscribed"
   * because an earlier attempt landed, that is success.
   */
  async activate(subscriptionId: string, plan: { planId: string; quantity?: number | undefined }, options: CallOptions = {}): Promise<void> {
    const body = plan.quantity === undefined ? { planId: plan.planId } : { planId: plan.planId, quantity: plan.quantity };
    try {
      await this.transport.call({ ...options, name: 'activate', method: 'POST', path: `${subscriptionPath(subscriptionId)}/activate`, body, idempotent: true });
    } catch (error) {
      if (!(error instanceof MarketplaceError) || error.status !== 400 || error.attempts < 2) throw error;
      const current = await this.getSubscription(subscriptionId, options);
      if (current.saasSubscriptionStatus !== 'Subscribed' || current.planId !== plan.planId) throw error;
    }
  }

  /** Publisher-initiated plan change; apply it on your side only when the operation succeeds. */
  changePlan(subscriptionId: string, planId: string, options: CallOptions = {}): Promise<AcceptedOperation> {
    return this.startOperation('changePlan', 'PATCH', subscriptionId, { planId }, options);
  }

  /** Publisher-initiated seat change; apply it on your side only when the operation succeeds. */
  changeQuantity(subscriptionId: string, quantity: number, options: CallOptions = {}): Promise<AcceptedOperation> {
    return this.startOperation('changeQuantity', 'PATCH', subscriptionId, { quantity }, options);
  }

  /** Publisher-initiated cancellation. */
  unsubscribe(subscriptionId: string, options: CallOptions = {}): Promise<AcceptedOperation> {
    return this.startOperation('unsubscribe', 'DELETE', subscriptionId, undefined, options);
  }

  /** Operations waiting on the publisher. */
  async listOperations(subscriptionId: string, options: CallOptions = {}): Promise<SaaSOperation[]> {
    const answer = await this.transport.call({
      ...options,
      name: 'listOperations',
      method: 'GET',
      path: `${subscriptionPath(subscriptionId)}/operations`,
      idempotent: true,
    });
    return parseOperations(answer.body, this.unknown);
  }

  async getOperation(subscriptionId: string, operationId: string, options: CallOptions = {}): Promise<SaaSOperation> {
    const answer = await this.transport.call({
      ...options,
      name: 'getOperation',
      method: 'GET',
      path: operationPath(subscriptionId, operationId),
      idempotent: true,
    });
    return parseOperation(answer.body, this.unknown);
  }

  /**
   * Acknowledges an operation with Success or Failure. Retried like a read: when a retry meets 409
   * because an earlier attempt landed, the operation's final status is checked and that is success.
   */
  async updateOperation(subscriptionId: string, operationId: string, update: UpdateOperation, options: CallOptions = {}): Promise<void> {
    try {
      await this.transport.call({
        ...options,
        name: 'updateOperation',
        method: 'PATCH',
        path: operationPath(subscriptionId, operationId),
        body: update,
        idempotent: true,
      });
    } catch (error) {
      if (!(error instanceof MarketplaceError) || error.status !== 409 || error.attempts < 2) throw error;
      const operation = await this.getOperation(subscriptionId, operationId, options);
      if (operation.status !== (update.status === 'Success' ? 'Succeeded' : 'Failed')) throw error;
    }
  }

  /** Polls an operation until it is Succeeded, Failed or Conflict (the docs: every several seconds). */
  async waitForOperation(
    subscriptionId: string,
    operationId: string,
    options: CallOptions & { pollIntervalMs?: number; timeoutMs?: number } = {},
  ): Promise<SaaSOperation> {
    const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
    for (;;) {
      const operation = await this.getOperation(subscriptionId, operationId, options);
      if (TERMINAL.includes(operation.status)) return operation;
      if (Date.now() >= deadline) {
        throw this.transport.localError(
          'waitForOperation',
          `Operation ${operationId} is still ${operation.status} after ${options.timeoutMs ?? 300_000} ms`,
          'Timeout',
        );
      }
      await sleep(options.pollIntervalMs ?? 2000, undefined, { signal: options.signal });
    }
  }

  /**
   * Reports usage of one dimension for one hour. The hour's first event is accepted; any later one for
   * the same resource, dimension and hour is a result with status `Duplicate` carrying the event that was
   * accepted (a 409 from the service), so a retried post never bills twice and never throws for it.
   */
  async postUsageEvent(event: UsageEvent, options: CallOptions = {}): Promise<UsageEventResult> {
    const answer = await this.transport.call({
      ...options,
      name: 'postUsageEvent',
      method: 'POST',
      path: '/usageEvent',
      body: event,
      idempotent: true,
      answers: [409],
    });
    return parseUsageResult(event, answer.body, answer.status === 409);
  }

  /**
   * Reports any number of events, 25 per request (the service's limit), in order; one result per event.
   * Refused events are results too (status InvalidDimension, Expired...): read each one's status.
   */
  async postBatchUsageEvents(events: readonly UsageEvent[], options: CallOptions = {}): Promise<UsageEventResult[]> {
    const results: UsageEventResult[] = [];
    for (let start = 0; start < events.length; start += MAX_BATCH_EVENTS) {
      const request = events.slice(start, start + MAX_BATCH_EVENTS);
      const answer = await this.transport.call({
        ...options,
        name: 'postBatchUsageEvents',
        method: 'POST',
        path: '/batchUsageEvent',
        body: { request },
        idempotent: true,
      });
      results.push(...parseBatchResults(request, answer.body));
    }
    return results;
  }

  /** Usage the marketplace holds, per resource, dimension and day, with its reconciliation status. */
  async getUsageEvents(query: UsageQuery, options: CallOptions = {}): Promise<GetUsageEvent[]> {
    const { usageEndDate, ...rest } = query;
    // The service spells it UsageEndDate (capital U), as the spec does.
    const answer = await this.transport.call({
      ...options,
      name: 'getUsageEvents',
      method: 'GET',
      path: '/usageEvents',
      query: { ...rest, UsageEndDate: usageEndDate },
      idempotent: true,
    });
    return parseUsageEvents(answer.body);
  }

  private async startOperation(
    name: string,
    method: 'PATCH' | 'DELETE',
    subscriptionId: string,
    body: unknown,
    options: CallOptions,
  ): Promise<AcceptedOperation> {
    const answer = await this.transport.call({ ...options, name, method, path: subscriptionPath(subscriptionId), body, idempotent: false });
    const operationLocation = answer.headers.get('operation-location') ?? '';
    const operationId = /\/operations\/([^/?#]+)/.exec(operationLocation)?.[1] ?? answer.headers.get('operation-id') ?? '';
    if (!operationId) throw this.transport.localError(name, 'The answer carried no Operation-Location', 'MissingOperationLocation', answer);
    return { operationId: decodeURIComponent(operationId), operationLocation };
  }
}

const subscriptionPath = (id: string) => `/saas/subscriptions/${encodeURIComponent(id)}`;
const operationPath = (id: string, operationId: string) => `${subscriptionPath(id)}/operations/${encodeURIComponent(operationId)}`;

/** Reports each unknown enum value once per client: a warning worth reading, not one per call. */
function warnOnce(logger: ClientLogger | undefined): UnknownValueReport {
  const seen = new Set<string>();
  return (field, value) => {
    const key = `${field}=${JSON.stringify(value)}`;
    if (seen.has(key)) return;
    seen.add(key);
    logger?.warn({ field, value }, 'the marketplace sent a value this version does not know; it is kept as sent');
  };
}
