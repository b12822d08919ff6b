// What a platform asks of the emulator: /healthz (the process answers) and /readyz (its database answers,
// its tables are the ones this version migrated to, and its worker sends webhooks).
import type { FastifyInstance } from 'fastify';
import { loopProblem } from '@saas-fulfillment/store';
import { databaseAnswers, healthProbes } from '@saas-fulfillment/web';
import type { MarketplaceStore } from '../store/repository.js';
import type { MarketplaceWorker } from '../worker.js';

/** `worker` absent: this process runs none (tests that drive it by hand), so readiness does not ask. */
export async function healthRoutes(app: FastifyInstance, deps: { store: MarketplaceStore; worker: MarketplaceWorker | undefined }): Promise<void> {
  const { store, worker } = deps;
  healthProbes(app, {
    database: databaseAnswers(store),
    migrations: () => store.schemaProblem(),
    ...(worker ? { worker: async () => loopProblem(worker.state) } : {}),
  });
}
