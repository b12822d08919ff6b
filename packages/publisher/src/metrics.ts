// Prometheus metrics of one publisher app (its own registry: no process-wide state).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CredentialHealth } from '@saas-fulfillment/client';
import { USAGE_WINDOW_MS, type Clock } from '@saas-fulfillment/contract';
import { AT_RISK_MS } from './model/metering.js';
import type { PublisherStore } from './store/repository.js';

export interface PublisherMetrics {
  registry: Registry;
  webhooks: Counter<'action' | 'result'>;
  jobs: Counter<'kind' | 'outcome'>;
  /** Console password sign-ins: accepted, refused (wrong password) or braked (too many attempts). */
  logins: Counter<'result'>;
  /** Usage records taken in: accepted, duplicate (idempotency key seen) or refused. */
  usageRecords: Counter<'result'>;
  /** Usage hours settled: accepted, duplicate (billed before), rejected, expired, failed (to retry). */
  usageHours: Counter<'result'>;
}

export function createMetrics(store: PublisherStore, clock: Clock, credential?: { health(): CredentialHealth }): PublisherMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhooks = new Counter({
    name: 'saas_webhooks_total',
    help: 'Webhooks received, by action and result',
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
  return { registry, webhooks, jobs, logins, usageRecords, usageHours };
}
