// The publisher's service graph, wired from injected dependencies: store, clock, metrics, fulfillment,
// metering, the console and the background work. Nothing here answers HTTP: http.ts does, given these
// services, and app.ts puts the two together.
import type { FastifyBaseLogger } from 'fastify';
import { systemClock, type Clock } from '@saas-fulfillment/contract';
import type { CredentialHealth, MarketplaceClient } from '@saas-fulfillment/client';
import type { OidcSettings } from './auth/oidc.js';
import type { WebhookVerifier } from './auth/webhook-verifier.js';
import { AdminConsole } from './console.js';
import { OutboundEvents, type OutboundConfig } from './events/outbound.js';
import type { PublisherHooks } from './fulfillment/hooks.js';
import { createFulfillment, type PublisherFulfillment } from './fulfillment/index.js';
import { PlanDirectory } from './fulfillment/plans.js';
import { Metering } from './metering/index.js';
import { createMetrics, type PublisherMetrics } from './metrics.js';
import type { Branding } from './model/branding.js';
import type { PublisherStore } from './store/repository.js';
import { JobWorker, PublisherWorker, type JobWorkerOptions } from './worker.js';

export interface PublisherOptions {
  store: PublisherStore;
  client: MarketplaceClient;
  /** The client's credential, for its health on the console's Connection page and in the metrics. */
  credential?: { health(): CredentialHealth };
  verifier: WebhookVerifier;
  hooks: PublisherHooks;
  /** The console's password (hashed at start, never kept or logged). */
  adminPassword: string;
  /**
   * scrypt's cost (N, a power of two) for the console password: 16384 by default. A test suite that signs
   * in hundreds of times may lower it; a deployment has no reason to.
   */
  adminPasswordHashCost?: number;
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
  /**
   * Landing tokens one client address may have resolved with Microsoft per minute (default 10); reloads
   * and repeats of a token resolved or refused a moment ago do not count.
   */
  landingResolvesPerMinute?: number;
  /** How long work in flight gets to finish when the service closes (default 5 s). */
  closeGraceMs?: number;
  /**
   * How long the entitlement API may keep an answer (default 1 s; 0: read every time). A write in this
   * process is seen at once whatever the setting; it bounds how long another instance's write (several
   * instances on one PostgreSQL) may go unseen here.
   */
  entitlementCacheMs?: number;
  /** Called when the app closes, after its background work has stopped (the CLI closes the database here). */
  onClose?: () => Promise<void>;
}

export interface PublisherHandles {
  fulfillment: PublisherFulfillment;
  worker: JobWorker;
  store: PublisherStore;
  metrics: PublisherMetrics;
  metering: Metering;
  /** After close: the work that did not finish within the grace period and was released (empty: none). */
  cutShort(): readonly string[];
}

/** The publisher's services, wired: what the HTTP side and the background work call. */
export interface PublisherServices {
  store: PublisherStore;
  clock: Clock;
  metrics: PublisherMetrics;
  fulfillment: PublisherFulfillment;
  plans: PlanDirectory;
  metering: Metering;
  console: AdminConsole;
  worker: PublisherWorker;
}

/** The service graph: store, clock, metrics, fulfillment, metering, the console and the background work. */
export function createServices(options: PublisherOptions, log: FastifyBaseLogger): PublisherServices {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const meteringClock = options.meteringClock ?? clock;
  const metrics = createMetrics(store, meteringClock, options.credential, options.client);
  const events = new OutboundEvents(options.events ?? { url: undefined, secret: undefined }, clock, options.fetch);
  const wake = () => jobs.wake();
  const fulfillment = createFulfillment({
    store,
    client: options.client,
    clock,
    hooks: options.hooks,
    events,
    log,
    wake,
    landingResolvesPerMinute: options.landingResolvesPerMinute,
    observer: metrics,
  });
  const jobs: JobWorker = new JobWorker(
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
    { ...options.worker, onOutcome: jobOutcomeLogger(metrics, log), onError: (error) => log.error({ err: error }, 'could not claim jobs') },
  );
  const plans = new PlanDirectory(options.client, clock, log);
  const leaseMs = options.meteringLeaseMs;
  const metering = new Metering({ store, client: options.client, plans, clock: meteringClock, metrics, log, ...(leaseMs ? { leaseMs } : {}) });
  const adminConsole = new AdminConsole(store, fulfillment, clock, wake);
  const worker = new PublisherWorker(
    jobs,
    {
      reconcile: () => adminConsole.reconcileNow(),
      submitUsage: () => metering.submit(),
      stopUsage: (graceMs) => metering.stop(graceMs),
      log,
    },
    {
      reconcileOnStart: options.reconcileOnStart ?? true,
      reconcileEveryMs: options.reconcileIntervalMs ?? 60 * 60_000,
      meteringEveryMs: options.meteringIntervalMs ?? 5 * 60_000,
    },
  );
  return { store, clock, metrics, fulfillment, plans, metering, console: adminConsole, worker };
}

/** Counts each job's outcome, and logs the ones that did not finish. */
function jobOutcomeLogger(metrics: PublisherMetrics, log: FastifyBaseLogger): NonNullable<JobWorkerOptions['onOutcome']> {
  return (job, outcome, error) => {
    metrics.jobs.inc({ kind: job.kind, outcome });
    if (outcome === 'retry' || outcome === 'dead')
      log.warn(
        { jobId: job.id, kind: job.kind, attempt: job.attempts, outcome, error: error instanceof Error ? error.message : String(error) },
        'job did not finish',
      );
  };
}
