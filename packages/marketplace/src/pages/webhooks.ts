// The webhook pages and their forms: redeliver a past delivery; choose how the built-in inbox answers;
// acknowledge a waiting operation from the inbox.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { StringEnum, Uuid } from '@saas-fulfillment/contract';
import { act, withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { OperationRecord } from '../model/subscriptions.js';
import { inboxPage, webhooksPage } from './views/webhooks.js';
import { ANSWER_LABELS, INBOX_ANSWERS } from '../webhooks/inbox.js';
import { IdParams, PageQuery, sendPage, type SimulatorPageDeps } from './frame.js';

const AnswerForm = Type.Object({ answer: StringEnum(INBOX_ANSWERS), for: Type.Optional(StringEnum(['next', 'every'])) });
const AcknowledgeForm = Type.Object({ status: StringEnum(['Success', 'Failure']) });
const UuidParams = Type.Object({ id: Uuid });

export async function webhookPages(instance: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const { store, clock, catalog } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/webhooks', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const deliveries = await store.listDeliveries({ limit: 200 });
    const waiting = deliveries.some((d) => d.status === 'Pending');
    return sendPage(reply, clock, request.query, 'Webhooks', webhooksPage(deliveries), waiting ? { refreshSeconds: 3 } : {});
  });

  app.post('/ui/webhooks/:id/redeliver', { schema: { params: UuidParams } }, async (request, reply) =>
    act(reply, '/webhooks', async () => {
      const delivery = await deps.fulfillment.operations.redeliver(request.params.id);
      return withQuery('/webhooks', { notice: `Sent again as delivery ${delivery.id.slice(0, 8)} to ${delivery.url}.` });
    }),
  );

  app.get('/inbox', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const entries = await store.listInbox({ limit: 200 });
    const operations = new Map<string, OperationRecord | undefined>();
    for (const id of new Set(entries.map((e) => e.operationId).filter((id): id is string => id !== undefined)))
      operations.set(id, await store.getOperation(id));
    const publishers = deps.endpoints.list().map((view) => ({ view, answers: deps.inbox.answers(view.publisherId) }));
    return sendPage(reply, clock, request.query, 'Inbox', inboxPage(publishers, entries, operations));
  });

  app.post('/ui/inbox/:id/answer', { schema: { params: IdParams, body: AnswerForm } }, async (request, reply) =>
    act(reply, '/inbox', async () => {
      const { answer } = request.body;
      const scope = request.body.for ?? 'next';
      await deps.inbox.setAnswer(catalog.requirePublisher(request.params.id), { answer, for: scope });
      return withQuery('/inbox', { notice: `${ANSWER_LABELS[answer]}: ${scope === 'every' ? 'for every delivery from now on' : 'for the next delivery'}.` });
    }),
  );

  app.post('/ui/inbox/entries/:id/acknowledge', { schema: { params: UuidParams, body: AcknowledgeForm } }, async (request, reply) =>
    act(reply, '/inbox', async () => {
      await deps.inbox.acknowledge(request.params.id, request.body.status);
      return withQuery('/inbox', { notice: `PATCH ${request.body.status} sent for the operation.` });
    }),
  );
}
