// What a platform asks of the service: /healthz (the process answers), /readyz (the database answers) and
// /metrics for Prometheus (behind METRICS_TOKEN when it is set).
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { answers, healthProbes, requireBearer } from '@saas-fulfillment/web';
import type { PublisherMetrics } from '../metrics.js';
import type { PublisherStore } from '../store/repository.js';

export interface HealthRouteDeps {
  store: PublisherStore;
  metrics: PublisherMetrics;
  metricsToken: string | undefined;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthRouteDeps): Promise<void> {
  healthProbes(app, deps.store);
  const guard = deps.metricsToken ? { onRequest: requireBearer(deps.metricsToken, 'METRICS_TOKEN') } : {};
  const metrics = { schema: { response: answers({ 200: Type.String({ description: 'the Prometheus text format' }) }) } };
  app.get('/metrics', { ...guard, ...metrics }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}
