// What a platform asks of the service: /healthz (the process answers), /readyz (the database answers, its
// tables are this version's, the job worker runs, the credential gets tokens) and /metrics for Prometheus:
// to a bearer of METRICS_TOKEN when it is set, else to this machine only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { CredentialHealth } from '@saas-fulfillment/client';
import { loopProblem } from '@saas-fulfillment/store';
import { answers, databaseAnswers, healthProbes, isDirectLoopback, requireBearer, type WrongKey } from '@saas-fulfillment/web';
import { PublisherErrors as E } from '../errors.js';
import type { PublisherMetrics } from '../metrics.js';
import type { PublisherStore } from '../store/repository.js';
import type { JobWorker } from '../worker.js';

export interface HealthRouteDeps {
  store: PublisherStore;
  metrics: PublisherMetrics;
  metricsToken: string | undefined;
  wrongKey: WrongKey;
  /** Absent when this process runs no worker (runWorker: false): readiness does not ask. */
  jobs: JobWorker | undefined;
  credential: { health(): CredentialHealth } | undefined;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthRouteDeps): Promise<void> {
  const { store, jobs, credential } = deps;
  healthProbes(app, {
    database: databaseAnswers(store),
    migrations: () => store.schemaProblem(),
    ...(jobs ? { worker: async () => loopProblem(jobs.state) } : {}),
    ...(credential ? { credential: async () => credentialProblem(credential.health()) } : {}),
  });
  // Without a token, what the counters tell (subscriptions, sign-in failures, usage) stays on this machine.
  const guard = {
    onRequest: deps.metricsToken
      ? requireBearer(deps.metricsToken, 'METRICS_TOKEN', deps.wrongKey)
      : async (request: FastifyRequest) => {
          if (!isDirectLoopback(request)) throw E.metricsLocalOnly();
        },
  };
  const metrics = { schema: { response: answers({ 200: Type.String({ description: 'the Prometheus text format' }) }) } };
  app.get('/metrics', { ...guard, ...metrics }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}

/**
 * The credential is ready until a token request fails, and again once one succeeds: without tokens the
 * service can take webhooks in but not acknowledge, activate or read anything at Microsoft.
 */
function credentialProblem(health: CredentialHealth): string | undefined {
  return health.lastError ? "its last token request failed (the log and the console's Connection page say why)" : undefined;
}
