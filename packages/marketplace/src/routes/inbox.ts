// POST /inbox/{publisherId}: the built-in webhook inbox's receiving end. Open to any caller: it acts
// only on deliveries whose bearer token this emulator signed for that publisher.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { WebhookInbox } from '../webhooks/inbox.js';

const Params = Type.Object({ publisherId: Type.String({ minLength: 1, maxLength: 50 }) });

export async function inboxRoutes(app: FastifyInstance, deps: { inbox: WebhookInbox }): Promise<void> {
  app.post<{ Params: { publisherId: string } }>('/inbox/:publisherId', { schema: { params: Params } }, async (request, reply) => {
    const answer = await deps.inbox.receive(request.params.publisherId, request.headers.authorization, request.body);
    return reply.status(answer.status).send(answer.body);
  });
}
