// The request inspector's page: the calls the emulator answered, filtered by subscription, refreshed live.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { PageQuery, sendPage, type SimulatorPageDeps } from './frame.js';
import { notFoundPage } from './views/layout.js';
import { callPage, requestsPage } from './views/requests.js';

const RequestsQuery = Type.Object({
  ...PageQuery.properties,
  subscriptionId: Type.Optional(Type.String({ maxLength: 40 })),
  live: Type.Optional(Type.String({ maxLength: 5 })),
});
const SeqParams = Type.Object({ seq: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function requestPages(instance: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/requests', { schema: { querystring: RequestsQuery } }, async (request, reply) => {
    const given = request.query.subscriptionId?.trim();
    // A filter that is not a subscription id is said so on the page rather than refused: it was typed by hand.
    const subscriptionId = given && GUID.test(given) ? given.toLowerCase() : undefined;
    const live = request.query.live !== 'off';
    const calls = deps.requests.list({ subscriptionId, limit: 200 });
    const query =
      given && !subscriptionId
        ? { ...request.query, error: `'${given}' is not a subscription id: it has the form 0f8fad5b-d9cb-469f-a165-70867728950e.` }
        : request.query;
    return sendPage(
      reply,
      deps.clock,
      query,
      'Requests',
      requestsPage(deps.catalog, { calls, kept: deps.requests.capacity, subscriptionId, live }),
      live ? { refreshSeconds: 2 } : {},
    );
  });

  app.get('/requests/:seq', { schema: { params: SeqParams, querystring: PageQuery } }, async (request, reply) => {
    const call = deps.requests.get(Number(request.params.seq));
    if (!call)
      return sendPage(reply, deps.clock, request.query, 'Not found', notFoundPage('This call is no longer kept: the log keeps the newest ones.'), {
        status: 404,
      });
    return sendPage(reply, deps.clock, request.query, `${call.method} call`, callPage(deps.catalog, call));
  });
}
