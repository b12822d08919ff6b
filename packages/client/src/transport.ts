// One call to a marketplace API (fulfillment or metering) with everything around it: an Entra token
// (refreshed once on a 403), request and correlation ids, a per-attempt timeout, retries that know
// which failures are safe to repeat, and a typed MarketplaceError for whatever is not a success.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { API_VERSION } from '@saas-fulfillment/contract';
import type { TokenCredential } from './credentials.js';
import { AuthenticationError, MarketplaceError } from './errors.js';
import { isRetryable, retryDelay, type Failure, type RetryPolicy } from './retry.js';

/** Anything with pino's `debug`/`warn` (pino, console...). Tokens and secrets are never passed to it. */
export interface ClientLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** One attempt at a call, as observers see it (metrics): no token, no body. */
export interface AttemptSeen {
  /** The client method (`resolve`, `updateOperation`, `postBatchUsageEvents`...). */
  method: string;
  /** The HTTP status, or undefined when no answer came (network failure, timeout, Entra unreachable). */
  status: number | undefined;
  seconds: number;
}

export type AttemptObserver = (attempt: AttemptSeen) => void;

/** Per-call options: a correlation id to tie several calls together, and cancellation. */
export interface CallOptions {
  correlationId?: string;
  signal?: AbortSignal;
}

export interface Call extends CallOptions {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under baseUrl, or an absolute URL (`@nextLink`) on the same origin. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send twice (see retry.ts). */
  idempotent: boolean;
  /** Error statuses that are an answer for this call, not a failure (metering's 409 duplicate). */
  answers?: readonly number[];
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  attempts: number;
  requestId: string;
  correlationId: string;
}

export interface TransportOptions {
  baseUrl: string;
  credential: TokenCredential;
  fetch: typeof fetch;
  retry: RetryPolicy;
  timeoutMs: number;
  logger: ClientLogger | undefined;
  /** Told of every attempt, retries included. */
  observers: Set<AttemptObserver>;
}

const tracer = trace.getTracer('saas-fulfillment-client');

/** The subscription and operation a path names (`/saas/subscriptions/{id}/operations/{id}`), as span attributes. */
function idsIn(path: string): Record<string, string> {
  const match = /\/subscriptions\/([0-9a-fA-F-]{36})(?:\/operations\/([0-9a-fA-F-]{36}))?/.exec(path);
  if (!match) return {};
  return { 'saas.subscription_id': match[1] as string, ...(match[2] ? { 'saas.operation_id': match[2] } : {}) };
}

export class Transport {
  constructor(private readonly options: TransportOptions) {}

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /**
   * One API call with its retries, in a client span (`marketplace <method>`) that names the subscription and
   * operation it is about (never a token); resolves with a 2xx answer or throws MarketplaceError.
   */
  call(call: Call): Promise<Answer> {
    const attributes = { 'saas.client.method': call.name, 'http.request.method': call.method, ...idsIn(call.path) };
    return tracer.startActiveSpan(`marketplace ${call.name}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        const answer = await this.callWithRetries(call);
        span.setAttributes({ 'http.response.status_code': answer.status, 'saas.client.attempts': answer.attempts });
        return answer;
      } catch (error) {
        if (error instanceof MarketplaceError) span.setAttribute('http.response.status_code', error.status);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async callWithRetries(call: Call): Promise<Answer> {
    const url = this.urlFor(call);
    const correlationId = call.correlationId ?? randomUUID();
    const started = Date.now();
    let forceRefresh = false;
    for (let attempt = 1; ; attempt++) {
      const requestId = randomUUID();
      const context = { method: call.name, attempt, requestId, correlationId };
      const attemptStarted = performance.now();
      const outcome = await this.attempt(call, url, requestId, correlationId, forceRefresh);
      this.tell({
        method: call.name,
        status: 'response' in outcome ? outcome.response.status : undefined,
        seconds: (performance.now() - attemptStarted) / 1000,
      });
      if ('response' in outcome && (outcome.response.status < 400 || call.answers?.includes(outcome.response.status))) {
        this.options.logger?.debug({ ...context, status: outcome.response.status }, 'marketplace call');
        return { status: outcome.response.status, headers: outcome.response.headers, body: outcome.body, attempts: attempt, requestId, correlationId };
      }
      const failure: Failure =
        'response' in outcome ? { kind: 'status', status: outcome.response.status, retryAfter: outcome.response.headers.get('retry-after') } : outcome.failure;
      // A 403 may be a token the server thinks expired: one more try with a fresh token.
      const refreshToken: boolean = failure.kind === 'status' && failure.status === 403 && !forceRefresh && attempt < this.options.retry.maxAttempts;
      const delay = refreshToken ? 0 : retryDelay(attempt, this.options.retry, failure.kind === 'status' ? failure.retryAfter : null, Date.now());
      const retry =
        (refreshToken || isRetryable(failure, call.idempotent)) &&
        attempt < this.options.retry.maxAttempts &&
        Date.now() - started + delay <= this.options.retry.maxElapsedMs &&
        !call.signal?.aborted;
      if (!retry) {
        // Entra stayed down: the caller learns that from Entra's own error, not as a network failure.
        if (!('response' in outcome) && outcome.error instanceof AuthenticationError) throw outcome.error;
        throw this.failure(call, outcome, { ...context, attempts: attempt });
      }
      forceRefresh = refreshToken;
      this.options.logger?.warn(
        { ...context, status: failure.kind === 'status' ? failure.status : failure.kind, delayMs: delay },
        'marketplace call failed; retrying',
      );
      await sleep(delay, undefined, { signal: call.signal });
    }
  }

  /** An observer that throws must not fail the call it watches. */
  private tell(attempt: AttemptSeen): void {
    for (const observer of this.options.observers) {
      try {
        observer(attempt);
      } catch {
        // ignored: observing is best effort
      }
    }
  }

  private async attempt(
    call: Call,
    url: string,
    requestId: string,
    correlationId: string,
    forceRefresh: boolean,
  ): Promise<{ response: Response; body: unknown } | { failure: Exclude<Failure, { kind: 'status' }>; error: unknown }> {
    let token: string;
    try {
      token = await this.options.credential.getToken({ forceRefresh, ...(call.signal ? { signal: call.signal } : {}) });
    } catch (error) {
      // Entra down or unreachable is worth another try: the call itself was never sent. A refusal is not.
      if (error instanceof AuthenticationError && (error.status === 0 || error.status >= 500)) return { failure: { kind: 'not-sent' }, error };
      throw error;
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'x-ms-requestid': requestId,
      'x-ms-correlationid': correlationId,
      'content-type': 'application/json',
      ...call.headers,
    };
    const signal = call.signal ? AbortSignal.any([call.signal, AbortSignal.timeout(this.options.timeoutMs)]) : AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await this.options.fetch(url, {
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
    const url = new URL(/^https?:\/\//.test(call.path) ? call.path : this.options.baseUrl + call.path);
    // `@nextLink` is followed only on the API's own origin: the bearer token must not go elsewhere.
    if (url.origin !== new URL(this.options.baseUrl).origin)
      throw this.localError(call.name, `Refusing to send the access token to ${url.origin}`, 'ForeignLink');
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
        ? `${call.name}: no answer within ${this.options.timeoutMs} ms`
        : `${call.name}: ${cause?.message ?? 'network error'}${networkCode(cause) ? ` (${networkCode(cause)})` : ''}`;
      return new MarketplaceError(message, { status: 0, code: timedOut ? 'Timeout' : 'NetworkError', method: call.name, ...context }, { cause });
    }
    const { status } = outcome.response;
    const { code, message, target } = errorBody(outcome.body);
    const hint = status === 403 ? ' (403: the token is missing, expired or invalid, or the app is not the one registered on this offer in Partner Center)' : '';
    return new MarketplaceError(`${call.name} failed with ${status} ${code}: ${message}${hint}`, { status, code, target, method: call.name, ...context });
  }

  localError(method: string, message: string, code: string, answer?: Answer): MarketplaceError {
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
