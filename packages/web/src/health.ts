// What a platform asks of either app: /healthz (the process answers) and /readyz (its database answers),
// the probes a container platform restarts or routes by.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

const Status = Type.Object({ status: Type.String() });
/** 200 while it answers; 503 naming what does not. */
const HEALTH = { schema: { response: { 200: Status, 503: Status } } };

/** Registers /healthz and /readyz; ready while `ping` resolves. */
export function healthProbes(app: FastifyInstance, store: { ping(): Promise<unknown> }): void {
  app.get('/healthz', HEALTH, async () => ({ status: 'ok' }));
  app.get('/readyz', HEALTH, async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unavailable' });
    }
  });
}
