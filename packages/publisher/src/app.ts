// buildPublisher: the vendor's fulfillment service as one Fastify instance (landing page, webhook, admin
// console and API, entitlements, health, metrics) plus its job worker, wired from injected dependencies.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '@saas-fulfillment/contract';
import type { CredentialHealth, MarketplaceClient } from '@saas-fulfillment/client';
import { allowEmptyJsonBodies, apiHeaders, installErrorHandling, requireBearer, securityHeaders } from '@saas-fulfillment/web';
import { AdminAuth } from './auth/admin.js';
import { registerSessions } from './auth/sessions.js';
import type { Branding } from './branding.js';
import { PlanDirectory } from './fulfillment/plans.js';
import { OidcSignIn, type OidcSettings } from './auth/oidc.js';
import { signInRoutes } from './routes/sign-in.js';
import { adminPages } from './routes/admin.js';
import { adminApi } from './routes/admin-api.js';
import { AdminConsole } from './console.js';
import { entitlementRoutes } from './routes/entitlements.js';
import { OutboundEvents, type OutboundConfig } from './events/outbound.js';
import type { PublisherHooks } from './fulfillment/hooks.js';
import { createFulfillment, type PublisherFulfillment } from './fulfillment/index.js';
import { JobWorker, type JobWorkerOptions } from './jobs/worker.js';
import { landingRoutes } from './routes/landing.js';
import { createMetrics, type PublisherMetrics } from './metrics.js';
import type { PublisherStore } from './store/repository.js';
import { webhookRoutes } from './routes/webhook.js';
import { Metering } from './metering/index.js';
import { meteringApi, meteringPages } from './routes/metering.js';
import { usageRoutes } from './routes/usage.js';
import type { WebhookVerifier } from './auth/webhook-verifier.js';

export interface PublisherOptions {
  store: PublisherStore;
  client: MarketplaceClient;
  /** The client's credential, for its health on the console's Connection page and in the metrics. */
  credential?: { health(): CredentialHealth };
  verifier: WebhookVerifier;
  hooks: PublisherHooks;
  /** The console's password (hashed at start, never kept or logged). */
  adminPassword: string;
  /** Key the vendor's application sends to the entitlement and usage APIs. */
  appApiKey: string;
  /** Keys that may report usage for one customer tenant's subscriptions only (TENANT_API_KEYS): tenant id → key. */
  tenantApiKeys?: Readonly<Record<string, string>>;
  /** Send closed usage hours at this interval (METERING_INTERVAL, default 5 minutes; 0: only on demand). */
  meteringIntervalMs?: number;
  /**
   * The marketplace's time, which usage hours and their 24-hour window follow (default: `clock`). In dev it
   * is the simulator's, moved forward with it, while sign-in and sessions keep real time.
   */
  meteringClock?: Clock;
  /** How long a process holds the usage hours it is sending (METERING_LEASE, default 1 minute). */
  meteringLeaseMs?: number;
  /** When set, /metrics answers only requests bearing it (METRICS_TOKEN). */
  metricsToken?: string;
  events?: OutboundConfig;
  clock?: Clock;
  logger?: FastifyBaseLogger | boolean;
  fetch?: typeof fetch;
  /** The product's name (and logo, URL, support contact) as buyers see it. */
  branding: Branding;
  /** Reconcile with the marketplace on start and then at this interval (0: never on a timer). */
  reconcileIntervalMs?: number;
  reconcileOnStart?: boolean;
  runWorker?: boolean;
  worker?: JobWorkerOptions;
  activationWaitMs?: number;
  /**
   * The origin buyers and admins reach the service at (PUBLIC_URL): the sign-in redirect URI is made from
   * it, and an https origin makes cookies Secure. Never taken from a request's Host header. Default: the
   * address the service listens on.
   */
  publicUrl?: string;
  /**
   * Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (Fastify's trustProxy): their addresses
   * or CIDR ranges, or true when nothing but the proxy can reach the service. Default: none.
   */
  trustProxy?: boolean | string | string[];
  /** "Sign in with Microsoft": required on the landing page, and/or for the listed console users. */
  signIn?: { settings: OidcSettings; landing: boolean; adminUsers: readonly string[] };
  onClose?: () => Promise<void>;
}

export interface PublisherHandles {
  fulfillment: PublisherFulfillment;
  worker: JobWorker;
  store: PublisherStore;
  metrics: PublisherMetrics;
  metering: Metering;
}

export type PublisherApp = FastifyInstance & { publisher: PublisherHandles };

export async function buildPublisher(options: PublisherOptions): Promise<PublisherApp> {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const app = Fastify({
    ...(typeof options.logger === 'object' ? { loggerInstance: options.logger } : { logger: options.logger ?? false }),
    bodyLimit: 256 * 1024,
    trustProxy: options.trustProxy ?? false,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;

  const metrics = createMetrics(store, options.meteringClock ?? clock, options.credential);
  const events = new OutboundEvents(options.events ?? { url: undefined, secret: undefined }, clock, options.fetch);
  let worker: JobWorker | undefined;
  const wake = () => worker?.wake();
  const fulfillment = createFulfillment({ store, client: options.client, clock, hooks: options.hooks, events, log: app.log, wake });
  worker = new JobWorker(
    store.jobs,
    clock,
    {
      activate: (job) => fulfillment.activation.activate(job),
      provision: (job) => fulfillment.activation.provision(job),
      webhook: (job) => fulfillment.inbox.processWebhook(job),
      'await-operation': (job) => fulfillment.changes.awaitOperation(job),
      reconcile: async () => void (await fulfillment.reconcile()),
      'deliver-event': (job) => events.deliver(store, job),
    },
    {
      ...options.worker,
      onOutcome: (job, outcome, error) => {
        metrics.jobs.inc({ kind: job.kind, outcome });
        if (outcome === 'retry' || outcome === 'dead')
          app.log.warn(
            { jobId: job.id, kind: job.kind, attempt: job.attempts, outcome, error: error instanceof Error ? error.message : String(error) },
            'job did not finish',
          );
      },
      onError: (error) => app.log.error({ err: error }, 'could not claim jobs'),
    },
  );
  const plans = new PlanDirectory(options.client, clock, app.log);
  const metering = new Metering({
    store,
    client: options.client,
    plans,
    clock: options.meteringClock ?? clock,
    metrics,
    log: app.log,
    ...(options.meteringLeaseMs ? { leaseMs: options.meteringLeaseMs } : {}),
  });
  app.decorate('publisher', { fulfillment, worker, store, metrics, metering } satisfies PublisherHandles);

  const cookieSecret = await store.settings.setOnce('cookie-secret', randomBytes(32).toString('base64url'));
  const sessionSecret = await store.settings.setOnce('session-secret', randomBytes(32).toString('base64url'));
  const publicUrl = () => options.publicUrl?.replace(/\/+$/, '') ?? listeningOrigin(app);
  const secureCookies = options.publicUrl?.startsWith('https://') ?? false;
  const publicOrigin = options.publicUrl && new URL(options.publicUrl).origin;
  const ownOrigin = (request: FastifyRequest) => publicOrigin || `${request.protocol}://${request.host}`;
  const forms = { ownOrigin, secretIn: 'session', secureCookies } as const;
  allowEmptyJsonBodies(app);
  installErrorHandling(app);
  // Every answer carries the API's headers; pages add a browser document's (below). The service-to-service
  // APIs sit outside the pages' context: no cookies, sessions, forms or page headers per call.
  apiHeaders(app);
  await app.register(webhookRoutes, { verifier: options.verifier, fulfillment, metrics });
  await app.register(entitlementRoutes, { store, apiKey: options.appApiKey });
  await app.register(usageRoutes, { metering, metrics, appApiKey: options.appApiKey, tenantKeys: options.tenantApiKeys ?? {} });

  const { branding } = options;
  const auth = await AdminAuth.start(options.adminPassword, {
    secret: sessionSecret,
    adminUsers: options.signIn?.adminUsers ?? [],
    sessions: store.sessions,
  });
  const adminConsole = new AdminConsole(store, fulfillment, clock, wake);
  const today = () => clock.now().toISOString().slice(0, 10);
  // What people use in a browser (landing page, sign-in, console and its JSON API): cookies, sessions and forms.
  await app.register(async (pages) => {
    await securityHeaders(pages, { hsts: secureCookies });
    await pages.register(cookie, { secret: cookieSecret });
    await registerSessions(pages, { table: store.sessions, secret: sessionSecret, secure: secureCookies });
    await pages.register(formbody, { bodyLimit: 64 * 1024 });
    if (options.signIn) await pages.register(signInRoutes, { signIn: new OidcSignIn(options.signIn.settings, clock, publicUrl), auth });
    await pages.register(landingRoutes, {
      fulfillment,
      store,
      plans,
      clock,
      formSecret: cookieSecret,
      branding,
      activationWaitMs: options.activationWaitMs ?? 3000,
      requireSignIn: options.signIn?.landing ?? false,
      forms,
    });
    await pages.register(adminPages, {
      auth,
      console: adminConsole,
      plans,
      productName: branding.productName,
      metrics,
      forms,
      credential: options.credential,
      clock,
    });
    await pages.register(adminApi, { auth, console: adminConsole, plans, ownOrigin });
    await pages.register(meteringPages, { auth, metering, productName: branding.productName, forms, ownOrigin, today });
    await pages.register(meteringApi, { auth, metering, ownOrigin, today });
    pages.get('/', async (_request, reply) => reply.redirect('/admin', 302));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unavailable' });
    }
  });
  const metricsGuard = options.metricsToken ? { onRequest: requireBearer(options.metricsToken, 'METRICS_TOKEN') } : {};
  app.get('/metrics', metricsGuard, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  const scheduleReconcile = () => store.jobs.enqueue({ kind: 'reconcile', payload: {}, runAt: clock.now().toISOString(), maxAttempts: 3 });
  let reconcileTimer: NodeJS.Timeout | undefined;
  let meteringTimer: NodeJS.Timeout | undefined;
  if (options.runWorker ?? true) {
    app.addHook('onReady', async () => {
      if (options.reconcileOnStart ?? true) await scheduleReconcile();
      worker.start();
      const every = options.reconcileIntervalMs ?? 60 * 60_000;
      if (every > 0) {
        reconcileTimer = setInterval(
          () => void scheduleReconcile().then(wake, (error: unknown) => app.log.error({ err: error }, 'could not schedule reconciliation')),
          every,
        );
        reconcileTimer.unref();
      }
      const meterEvery = options.meteringIntervalMs ?? 5 * 60_000;
      if (meterEvery > 0) {
        meteringTimer = setInterval(
          () => void metering.submit().catch((error: unknown) => app.log.error({ err: error }, 'usage submission failed; the next pass retries')),
          meterEvery,
        );
        meteringTimer.unref();
      }
    });
  }
  app.addHook('onClose', async () => {
    clearInterval(reconcileTimer);
    clearInterval(meteringTimer);
    await worker.stop();
    await options.onClose?.();
  });
  return app as PublisherApp;
}

/** The origin of the address the app listens on (loopback in development), for when no public URL is set. */
function listeningOrigin(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the publisher is not listening yet: set publicUrl');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
