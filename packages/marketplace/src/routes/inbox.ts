// POST /inbox/{publisherId}: the built-in webhook inbox's receiving end. Open to any caller: it acts
// only on deliveries whose bearer token this emulator signed for that publisher.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { WebhookInbox } from '../webhooks/inbox.js';

const Params = Type.Object({ publisherId: Type.String({ minLength: 1, maxLength: 50 }) });

// The body is whatever the sender posted: the inbox lists it as received, valid or not.
export async function inboxRoutes(instance: FastifyInstance, deps: { inbox: WebhookInbox }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/inbox/:publisherId', { schema: { params: Params } }, async (request, reply) => {
    const answer = await deps.inbox.receive(request.params.publisherId, request.headers.authorization, request.body);
    return reply.status(answer.status).send(answer.body);
  });
}
