// Prometheus metrics of one publisher app (its own registry: no process-wide state).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CredentialHealth, MarketplaceClient } from '@saas-fulfillment/client';
import { USAGE_WINDOW_MS, type Clock } from '@saas-fulfillment/contract';
import { AT_RISK_MS } from './model/metering.js';
import type { PublisherStore } from './store/repository.js';

export interface PublisherMetrics {
  registry: Registry;
  webhooks: Counter<'action' | 'result'>;
  jobs: Counter<'kind' | 'outcome'>;
  /** Console password sign-ins: accepted, refused (wrong password) or braked (too many attempts). */
  logins: Counter<'result'>;
  keysBraked: Counter;
  /** Usage records taken in: accepted, duplicate (idempotency key seen) or refused. */
  usageRecords: Counter<'result'>;
  /** Usage hours settled: accepted, duplicate (billed before), rejected, expired, failed (to retry). */
  usageHours: Counter<'result'>;
  /** Each PATCH of an operation: what came of it, and how long after its webhook arrived. */
  acknowledged(result: 'accepted' | 'rejected' | 'too_late', secondsAfterWebhook: number): void;
  /** A reconciliation pass finished, having repaired `repaired` subscriptions. */
  reconciled(repaired: number): void;
}

export function createMetrics(
  store: PublisherStore,
  clock: Clock,
  credential?: { health(): CredentialHealth },
  client?: Pick<MarketplaceClient, 'observe'>,
): PublisherMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhooks = new Counter({
    name: 'saas_webhooks_total',
    help: 'Webhooks received, by action and result (accepted, duplicate, unauthorized, refused: unreadable, failed: not stored, sent again)',
    labelNames: ['action', 'result'] as const,
    registers: [registry],
  });
  const jobs = new Counter({ name: 'saas_jobs_total', help: 'Jobs run, by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers: [registry] });
  new Gauge({
    name: 'saas_subscriptions',
    help: 'Local subscriptions by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await store.countByStatus())) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'saas_jobs',
    help: 'Jobs by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await store.jobs.countByStatus())) this.set({ status }, n);
    },
  });
  const logins = new Counter({
    name: 'saas_console_logins_total',
    help: 'Console password sign-ins, by result (accepted, refused, braked)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const keysBraked = new Counter({ name: 'saas_bearer_keys_braked_total', help: 'Wrong bearer keys answered 429 (the guessing brake)', registers: [registry] });
  const usageRecords = new Counter({
    name: 'saas_usage_records_total',
    help: 'Usage records received by POST /api/usage, by result (accepted, duplicate, refused)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const usageHours = new Counter({
    name: 'saas_usage_hours_total',
    help: 'Usage hours sent to the marketplace, by result (accepted, duplicate, rejected, expired, failed)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'saas_usage_hours',
    help: 'Usage hours by status (open, included, ready, accepted, rejected, expired)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries((await store.usage.summary()).byStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'saas_usage_oldest_unsent_hour_seconds',
    help: 'Age of the oldest usage hour not yet billed (0 when all are billed); the marketplace refuses hours older than 24 h',
    registers: [registry],
    async collect() {
      const { oldestUnsent } = await store.usage.summary();
      this.set(oldestUnsent ? Math.max(0, (clock.now().getTime() - Date.parse(oldestUnsent)) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'saas_usage_hours_at_risk',
    help: 'Usage hours not billed yet whose 24-hour window closes within 6 hours: alert on anything above 0',
    registers: [registry],
    async collect() {
      this.set(await store.usage.countUnsentBefore(new Date(clock.now().getTime() - USAGE_WINDOW_MS + AT_RISK_MS).toISOString()));
    },
  });
  if (credential) {
    new Gauge({
      name: 'saas_credential_ok',
      help: "1 while the app's last token request succeeded (or none was made yet), 0 after a failure",
      registers: [registry],
      collect() {
        this.set(credential.health().lastError ? 0 : 1);
      },
    });
    // Only for a certificate: a gauge that is never set reads 0, which would fire its own alert.
    if (credential.health().kind === 'certificate')
      new Gauge({
        name: 'saas_credential_certificate_expiry_seconds',
        help: "Seconds until the app's certificate expires (certificate credentials only): alert under 30 days (2592000)",
        registers: [registry],
        collect() {
          const expiresAt = credential.health().certificateExpiresAt;
          if (expiresAt) this.set((Date.parse(expiresAt) - clock.now().getTime()) / 1000);
        },
      });
  }
  if (client) observeMarketplace(registry, client);
  const { acknowledged, reconciled } = fulfillmentMetrics(registry, clock);
  return { registry, webhooks, jobs, logins, keysBraked, usageRecords, usageHours, acknowledged, reconciled };
}

/** Every attempt at a call to Microsoft: by method and status (`none`: no answer came), and how long it took. */
function observeMarketplace(registry: Registry, client: Pick<MarketplaceClient, 'observe'>): void {
  const calls = new Counter({
    name: 'saas_marketplace_calls_total',
    help: 'Attempts at calls to the marketplace APIs (retries included), by client method and HTTP status (none: no answer)',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'saas_marketplace_call_seconds',
    help: 'How long each attempt at a marketplace call took, by client method',
    labelNames: ['method'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  client.observe(({ method, status, seconds: took }) => {
    calls.inc({ method, status: status === undefined ? 'none' : String(status) });
    seconds.observe({ method }, took);
  });
}

/**
 * What fulfillment does against its deadlines: Microsoft gives the publisher 10 seconds from a change to
 * accept or reject it; a reconciliation pass finds what drifted.
 */
function fulfillmentMetrics(registry: Registry, clock: Clock): Pick<PublisherMetrics, 'acknowledged' | 'reconciled'> {
  const acknowledgements = new Counter({
    name: 'saas_operation_acknowledgements_total',
    help: 'PATCHes of operations that waited on us, by result (accepted, rejected, too_late: the operation was already final)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const delay = new Histogram({
    name: 'saas_operation_acknowledge_seconds',
    help: "Seconds from a webhook's arrival to our PATCH of its operation; Microsoft allows 10 from the change",
    buckets: [0.5, 1, 2, 4, 6, 8, 10, 15, 30, 60],
    registers: [registry],
  });
  const repairs = new Counter({
    name: 'saas_reconcile_repairs_total',
    help: 'Subscriptions reconciliation found different from the marketplace and repaired',
    registers: [registry],
  });
  const lastPass = new Gauge({
    name: 'saas_reconcile_last_success_timestamp_seconds',
    help: 'When a reconciliation pass last finished (Unix time)',
    registers: [registry],
  });
  return {
    acknowledged(result, secondsAfterWebhook) {
      acknowledgements.inc({ result });
      delay.observe(Math.max(0, secondsAfterWebhook));
    },
    reconciled(repaired) {
      repairs.inc(repaired);
      lastPass.set(clock.now().getTime() / 1000);
    },
  };
}
