// What a platform asks of the service: /healthz (the process answers), /readyz (the database answers) and
// /metrics for Prometheus: to a bearer of METRICS_TOKEN when it is set, else to this machine only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { answers, healthProbes, isDirectLoopback, requireBearer } from '@saas-fulfillment/web';
import { PublisherErrors as E } from '../errors.js';
import type { PublisherMetrics } from '../metrics.js';
import type { PublisherStore } from '../store/repository.js';

export interface HealthRouteDeps {
  store: PublisherStore;
  metrics: PublisherMetrics;
  metricsToken: string | undefined;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthRouteDeps): Promise<void> {
  healthProbes(app, deps.store);
  // Without a token, what the counters tell (subscriptions, sign-in failures, usage) stays on this machine.
  const guard = {
    onRequest: deps.metricsToken
      ? requireBearer(deps.metricsToken, 'METRICS_TOKEN')
      : async (request: FastifyRequest) => {
          if (!isDirectLoopback(request)) throw E.metricsLocalOnly();
        },
  };
  const metrics = { schema: { response: answers({ 200: Type.String({ description: 'the Prometheus text format' }) }) } };
  app.get('/metrics', { ...guard, ...metrics }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}
