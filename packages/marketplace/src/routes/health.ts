// What a platform asks of the emulator: /healthz (the process answers) and /readyz (its database answers).
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { MarketplaceStore } from '../store/repository.js';

const Status = Type.Object({ status: Type.String() });
/** 200 while it answers; 503 naming what does not. */
const HEALTH = { schema: { response: { 200: Status, 503: Status } } };

export async function healthRoutes(app: FastifyInstance, deps: { store: MarketplaceStore }): Promise<void> {
  app.get('/healthz', HEALTH, async () => ({ status: 'ok' }));
  app.get('/readyz', HEALTH, async (_request, reply) => {
    try {
      await deps.store.ping();
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unavailable' });
    }
  });
}
