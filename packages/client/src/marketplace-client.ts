// MarketplaceClient: one typed method per endpoint of the SaaS Fulfillment API v2 (subscriptions and
// operations), over Node's fetch, with Entra tokens, request/correlation ids, retries and typed errors.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { API_VERSION, type Plan, type ResolvedSubscription, type SaaSOperation, type Subscription, type UpdateOperation } from '@saas-fulfillment/contract';
import type { TokenCredential } from './credentials.js';
import { MarketplaceError } from './errors.js';
import { parseOperation, parseOperations, parsePlans, parseResolved, parseSubscription, parseSubscriptionPage, type UnknownValueReport } from './parse.js';
import { DEFAULT_RETRY, isRetryable, retryDelay, type Failure, type RetryPolicy } from './retry.js';

export const PRODUCTION_API = 'https://marketplaceapi.microsoft.com/api';
const TERMINAL: readonly string[] = ['Succeeded', 'Failed', 'Conflict'];

/** Anything with pino's `debug`/`warn` (pino, console...). Tokens and secrets are never passed to it. */
export interface ClientLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

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

/** Per-call options: a correlation id to tie several calls together, and cancellation. */
export interface CallOptions {
  correlationId?: string;
  signal?: AbortSignal;
}

/** What a publisher-initiated change returns: the operation to poll. */
export interface AcceptedOperation {
  operationId: string;
  operationLocation: string;
}

interface Call extends CallOptions {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under baseUrl, or an absolute URL (`@nextLink`) on the same origin. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send twice (see retry.ts). */
  idempotent: boolean;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  attempts: number;
  requestId: string;
  correlationId: string;
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
  private readonly fetch: typeof fetch;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  /** Each value Microsoft added since this library was written is logged once, then kept quietly. */
  private readonly unknown: UnknownValueReport;

  constructor(private readonly options: MarketplaceClientOptions) {
    this.baseUrl = (options.baseUrl ?? PRODUCTION_API).replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.unknown = warnOnce(options.logger);
  }

  /** Exchanges a landing-page token (already URL-decoded once: see `landingPageToken`) for its subscription. */
  async resolve(marketplaceToken: string, options: CallOptions = {}): Promise<ResolvedSubscription> {
    const answer = await this.call({
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
      if (seen.has(next)) throw this.localError('listSubscriptions', `@nextLink repeats ${next}`, 'InvalidNextLink');
      seen.add(next);
      const answer = await this.call({ ...options, name: 'listSubscriptions', method: 'GET', path: next, idempotent: true });
      const page = parseSubscriptionPage(answer.body, this.unknown);
      yield* page.subscriptions;
      next = page.nextLink;
    }
  }

  async getSubscription(subscriptionId: string, options: CallOptions = {}): Promise<Subscription> {
    const answer = await this.call({ ...options, name: 'getSubscription', method: 'GET', path: subscriptionPath(subscriptionId), idempotent: true });
    return parseSubscription(answer.body, this.unknown);
  }

  /** Plans the subscription may move to (public, and private ones for this customer), the current one included. */
  async listAvailablePlans(subscriptionId: string, planId?: string, options: CallOptions = {}): Promise<Plan[]> {
    const answer = await this.call({
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
      await this.call({ ...options, name: 'activate', method: 'POST', path: `${subscriptionPath(subscriptionId)}/activate`, body, idempotent: true });
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
    const answer = await this.call({
      ...options,
      name: 'listOperations',
      method: 'GET',
      path: `${subscriptionPath(subscriptionId)}/operations`,
      idempotent: true,
    });
    return parseOperations(answer.body, this.unknown);
  }

  async getOperation(subscriptionId: string, operationId: string, options: CallOptions = {}): Promise<SaaSOperation> {
    const answer = await this.call({ ...options, name: 'getOperation', method: 'GET', path: operationPath(subscriptionId, operationId), idempotent: true });
    return parseOperation(answer.body, this.unknown);
  }

  /**
   * Acknowledges an operation with Success or Failure. Retried like a read: when a retry meets 409
   * because an earlier attempt landed, the operation's final status is checked and that is success.
   */
  async updateOperation(subscriptionId: string, operationId: string, update: UpdateOperation, options: CallOptions = {}): Promise<void> {
    try {
      await this.call({
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
        throw this.localError('waitForOperation', `Operation ${operationId} is still ${operation.status} after ${options.timeoutMs ?? 300_000} ms`, 'Timeout');
      }
      await sleep(options.pollIntervalMs ?? 2000, undefined, { signal: options.signal });
    }
  }

  private async startOperation(
    name: string,
    method: 'PATCH' | 'DELETE',
    subscriptionId: string,
    body: unknown,
    options: CallOptions,
  ): Promise<AcceptedOperation> {
    const answer = await this.call({ ...options, name, method, path: subscriptionPath(subscriptionId), body, idempotent: false });
    const operationLocation = answer.headers.get('operation-location') ?? '';
    const operationId = /\/operations\/([^/?#]+)/.exec(operationLocation)?.[1] ?? answer.headers.get('operation-id') ?? '';
    if (!operationId) throw this.localError(name, 'The answer carried no Operation-Location', 'MissingOperationLocation', answer);
    return { operationId: decodeURIComponent(operationId), operationLocation };
  }

  /** One API call with its retries; resolves with a 2xx answer or throws MarketplaceError. */
  private async call(call: Call): Promise<Answer> {
    const url = this.urlFor(call);
    const correlationId = call.correlationId ?? randomUUID();
    const started = Date.now();
    let forceRefresh = false;
    for (let attempt = 1; ; attempt++) {
      const requestId = randomUUID();
      const context = { method: call.name, attempt, requestId, correlationId };
      const outcome = await this.attempt(call, url, requestId, correlationId, forceRefresh);
      if ('response' in outcome && outcome.response.status < 400) {
        this.options.logger?.debug({ ...context, status: outcome.response.status }, 'marketplace call');
        return { status: outcome.response.status, headers: outcome.response.headers, body: outcome.body, attempts: attempt, requestId, correlationId };
      }
      const failure: Failure =
        'response' in outcome ? { kind: 'status', status: outcome.response.status, retryAfter: outcome.response.headers.get('retry-after') } : outcome.failure;
      // A 403 may be a token the server thinks expired: one more try with a fresh token.
      const refreshToken: boolean = failure.kind === 'status' && failure.status === 403 && !forceRefresh && attempt < this.retry.maxAttempts;
      const delay = refreshToken ? 0 : retryDelay(attempt, this.retry, failure.kind === 'status' ? failure.retryAfter : null, Date.now());
      const retry =
        (refreshToken || isRetryable(failure, call.idempotent)) &&
        attempt < this.retry.maxAttempts &&
        Date.now() - started + delay <= this.retry.maxElapsedMs &&
        !call.signal?.aborted;
      if (!retry) throw this.failure(call, outcome, { ...context, attempts: attempt });
      forceRefresh = refreshToken;
      this.options.logger?.warn(
        { ...context, status: failure.kind === 'status' ? failure.status : failure.kind, delayMs: delay },
        'marketplace call failed; retrying',
      );
      await sleep(delay, undefined, { signal: call.signal });
    }
  }

  private async attempt(
    call: Call,
    url: string,
    requestId: string,
    correlationId: string,
    forceRefresh: boolean,
  ): Promise<{ response: Response; body: unknown } | { failure: Exclude<Failure, { kind: 'status' }>; error: unknown }> {
    const token = await this.options.credential.getToken({ forceRefresh, ...(call.signal ? { signal: call.signal } : {}) });
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'x-ms-requestid': requestId,
      'x-ms-correlationid': correlationId,
      'content-type': 'application/json',
      ...call.headers,
    };
    const signal = call.signal ? AbortSignal.any([call.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.fetch(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
        redirect: 'error',
      });
      const text = await response.text();
      return { response, body: parseJson(text) };
    } catch (error) {
      if (call.signal?.aborted) throw error;
      return { failure: { kind: neverSent(error) ? 'not-sent' : 'unknown-outcome' }, error };
    }
  }

  private urlFor(call: Call): string {
    const url = new URL(/^https?:\/\//.test(call.path) ? call.path : this.baseUrl + call.path);
    // `@nextLink` is followed only on the API's own origin: the bearer token must not go elsewhere.
    if (url.origin !== new URL(this.baseUrl).origin) throw this.localError(call.name, `Refusing to send the access token to ${url.origin}`, 'ForeignLink');
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', API_VERSION);
    return url.toString();
  }

  private failure(
    call: Call,
    outcome: { response: Response; body: unknown } | { error: unknown },
    context: { requestId: string; correlationId: string; attempts: number },
  ): MarketplaceError {
    if (!('response' in outcome)) {
      const cause = outcome.error as Error;
      const timedOut = cause?.name === 'TimeoutError';
      const message = timedOut
        ? `${call.name}: no answer within ${this.timeoutMs} ms`
        : `${call.name}: ${cause?.message ?? 'network error'}${networkCode(cause) ? ` (${networkCode(cause)})` : ''}`;
      return new MarketplaceError(message, { status: 0, code: timedOut ? 'Timeout' : 'NetworkError', method: call.name, ...context }, { cause });
    }
    const { status } = outcome.response;
    const { code, message, target } = errorBody(outcome.body);
    const hint = status === 403 ? ' (403: the token is missing, expired or invalid, or the app is not the one registered on this offer in Partner Center)' : '';
    return new MarketplaceError(`${call.name} failed with ${status} ${code}: ${message}${hint}`, { status, code, target, method: call.name, ...context });
  }

  private localError(method: string, message: string, code: string, answer?: Answer): MarketplaceError {
    return new MarketplaceError(`${method}: ${message}`, {
      status: answer?.status ?? 0,
      code,
      method,
      requestId: answer?.requestId ?? '',
      correlationId: answer?.correlationId ?? '',
      attempts: answer?.attempts ?? 0,
    });
  }
}

const subscriptionPath = (id: string) => `/saas/subscriptions/${encodeURIComponent(id)}`;
const operationPath = (id: string, operationId: string) => `${subscriptionPath(id)}/operations/${encodeURIComponent(operationId)}`;

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The error body in any of the shapes Microsoft uses: `{code,message,target}`, `{error:{...}}`, `{Error:{Code,Message}}`. */
function errorBody(body: unknown): { code: string; message: string; target: string | undefined } {
  const outer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const inner = (outer.error ?? outer.Error ?? outer) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    code: text(inner.code) ?? text(inner.Code) ?? 'Unknown',
    message: text(inner.message) ?? text(inner.Message) ?? (typeof body === 'string' ? body.slice(0, 500) : 'no error body'),
    target: text(inner.target) ?? text(inner.Target),
  };
}

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** Errors that happen before a request leaves: nothing reached the server. */
function neverSent(error: unknown): boolean {
  const code = networkCode(error);
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

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
