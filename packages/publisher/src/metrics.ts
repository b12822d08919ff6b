// Prometheus metrics of one publisher app (its own registry: no process-wide state).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { PublisherStore } from './store/repository.js';

export interface PublisherMetrics {
  registry: Registry;
  webhooks: Counter<'action' | 'result'>;
  jobs: Counter<'kind' | 'outcome'>;
  /** Console password sign-ins: accepted, refused (wrong password) or braked (too many attempts). */
  logins: Counter<'result'>;
}

export function createMetrics(store: PublisherStore): PublisherMetrics {
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
  return { registry, webhooks, jobs, logins };
}
