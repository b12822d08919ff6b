// The Fastify set-up both apps share (logging, body limits, strict validation, errors, the API headers),
// and a close that drains in seconds whatever is in flight, as a container platform expects after SIGTERM.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { useInstantFormats } from '@saas-fulfillment/contract';
import { sharedCompilers } from './compilers.js';
import { allowEmptyJsonBodies, installErrorHandling } from './errors.js';
import { apiHeaders } from './headers.js';

export interface ServerOptions {
  logger?: FastifyBaseLogger | boolean | undefined;
  bodyLimit: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string; key: string } | undefined;
  /** Proxies whose X-Forwarded-* headers are believed (Fastify's trustProxy). */
  trustProxy?: boolean | string | string[] | undefined;
  /** The longest path parameter (an id, a tenant). */
  maxParamLength?: number | undefined;
  /** Whether an error says a service the app needs (its database) is away for now: 503 with Retry-After. */
  isUnavailable?: ((error: unknown) => boolean) | undefined;
}

/**
 * A Fastify instance as both apps start from: a JSON error body naming the field for every refusal, bodies
 * that are JSON or nothing, values never coerced, and the API's headers on every answer (pages add theirs).
 */
export function createServer(options: ServerOptions): FastifyInstance {
  const { logger } = options;
  const app = Fastify({
    ...(typeof logger === 'object' ? { loggerInstance: logger } : { logger: logger ?? false }),
    bodyLimit: options.bodyLimit,
    ...(options.https ? { https: options.https } : {}),
    trustProxy: options.trustProxy ?? false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: options.maxParamLength ?? 100 },
    // Dates and times in every schema checked by the contract's one parser of real instants.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false }, onCreate: useInstantFormats },
    schemaController: { compilersFactory: sharedCompilers },
    // Per-request lines would drown the lines that matter (webhooks, operations, jobs).
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  allowEmptyJsonBodies(app);
  installErrorHandling(app, undefined, options.isUnavailable);
  apiHeaders(app);
  // Browsers ask every origin for an icon: no content, rather than a 404 in every page's log.
  app.get('/favicon.ico', async (_request, reply) => reply.status(204).header('cache-control', 'public, max-age=86400').send());
  return app;
}

/**
 * Background work an app runs beside its requests (a worker, timers): `stop` takes no new work at once,
 * gives what is running `graceMs` to finish, then releases the rest, and resolves with what it cut short
 * (empty: everything finished).
 */
export interface BackgroundWork {
  stop(graceMs: number): Promise<string[]>;
}

/** How long in-flight work and requests get to finish once the app starts closing. */
export const CLOSE_GRACE_MS = 5_000;

export interface DrainOptions {
  /** Default CLOSE_GRACE_MS. */
  graceMs?: number | undefined;
  /** Aborted as closing starts (default: a new one; `signal` of the answer). */
  closing?: AbortController | undefined;
  onClosed?: (() => Promise<void>) | undefined;
}

/**
 * Makes `app.close()` end in seconds: background work stops first (no new jobs while requests drain),
 * `signal` is aborted so answers held on purpose (a simulated timeout) end at once, requests in flight get
 * `graceMs`, then their connections are cut. `cutShort()` says what did not finish, once the app is closed.
 * `onClosed` runs last (closing the database), after the work has stopped.
 */
/** What drainOnClose gives the app: the signal aborted as closing starts, and what was cut short once closed. */
export interface Drain {
  signal: AbortSignal;
  cutShort(): readonly string[];
}

export function drainOnClose(app: FastifyInstance, work: BackgroundWork, options: DrainOptions = {}): Drain {
  const graceMs = options.graceMs ?? CLOSE_GRACE_MS;
  const closing = options.closing ?? new AbortController();
  const cutShort: string[] = [];
  let stopping: Promise<string[]> = Promise.resolve([]);
  let deadline: NodeJS.Timeout | undefined;
  const inFlight = countRequests(app);
  app.addHook('preClose', async () => {
    closing.abort();
    stopping = work.stop(graceMs);
    deadline = setTimeout(() => {
      const running = inFlight();
      if (running > 0) cutShort.push(`${running} request${running === 1 ? '' : 's'} still running (their connections were closed)`);
      app.server.closeAllConnections();
    }, graceMs);
    deadline.unref();
  });
  app.addHook('onClose', async () => {
    clearTimeout(deadline);
    cutShort.push(...(await stopping));
    await options.onClosed?.();
  });
  return { signal: closing.signal, cutShort: (): readonly string[] => cutShort };
}

/** Counts the requests being answered now (one listener per request on the raw server: no Fastify hook). */
function countRequests(app: FastifyInstance): () => number {
  let running = 0;
  app.server.on('request', (_request, response) => {
    running++;
    response.once('close', () => running--);
  });
  return () => running;
}
