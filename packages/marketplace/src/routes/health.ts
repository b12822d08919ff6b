// What a platform asks of the emulator: /healthz (the process answers) and /readyz (its database answers).
import type { FastifyInstance } from 'fastify';
import type { MarketplaceStore } from '../store/repository.js';

export async function healthRoutes(app: FastifyInstance, deps: { store: MarketplaceStore }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.store.ping();
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unavailable' });
    }
  });
}
