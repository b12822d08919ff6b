// What a platform asks of either app: /healthz (the process answers: restart it if not) and /readyz (it can
// do its work: route requests to it if so). Readiness runs the app's checks (its database, its schema, its
// worker, its credential) and names each one that fails in words of ours; what an error said (addresses,
// drivers' messages) goes to the log, once when a check starts failing, never into the answer.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

/** A readiness check: resolves undefined when all is well, or why it is not; a throw reads "unavailable". */
export type ReadinessCheck = () => Promise<string | undefined>;

/** A check that has not answered within this long fails: probes give up after a second or a few. */
const CHECK_TIMEOUT_MS = 2_000;

const Alive = Type.Object({ status: Type.String() });
const Readiness = Type.Object({
  status: Type.String({ description: '`ready`, or `not ready:` and the failing checks' }),
  checks: Type.Record(Type.String(), Type.String(), { description: 'each check: `ok`, or why it fails' }),
});

/** Registers /healthz and /readyz: 200 when every check passes, else 503 naming each one that fails. */
export function healthProbes(app: FastifyInstance, checks: Record<string, ReadinessCheck>): void {
  const failing = new Set<string>();
  app.get('/healthz', { schema: { response: { 200: Alive } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { response: { 200: Readiness, 503: Readiness } } }, async (request, reply) => {
    const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => ({ name, ...(await settle(check)) })));
    for (const { name, problem, error } of results) {
      if (problem !== undefined && !failing.has(name)) request.log.warn({ check: name, problem, err: error }, `not ready: ${name} ${problem}`);
      if (problem === undefined && failing.has(name)) request.log.info({ check: name }, `ready again: ${name}`);
      if (problem === undefined) failing.delete(name);
      else failing.add(name);
    }
    const bad = results.filter((r) => r.problem !== undefined);
    return reply.status(bad.length === 0 ? 200 : 503).send({
      status: bad.length === 0 ? 'ready' : `not ready: ${bad.map((r) => r.name).join(', ')}`,
      checks: Object.fromEntries(results.map((r) => [r.name, r.problem ?? 'ok'])),
    });
  });
}

async function settle(check: ReadinessCheck): Promise<{ problem: string | undefined; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ problem: string }>((resolve) => {
    timer = setTimeout(() => resolve({ problem: `did not answer within ${CHECK_TIMEOUT_MS / 1000} s` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      check().then(
        (problem) => ({ problem }),
        (error: unknown) => ({ problem: 'unavailable', error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The usual database check: it answers a trivial query. */
export const databaseAnswers =
  (store: { ping(): Promise<unknown> }): ReadinessCheck =>
  async () => {
    await store.ping();
    return undefined;
  };
