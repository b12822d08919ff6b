// The emulator's own landing page, used when a publisher has none: it resolves the token as the
// publisher would and offers Activate, so a purchase can be taken all the way with the emulator alone.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApiError } from '@saas-fulfillment/contract';
import { act, withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { invalidLinkPage, landingPage } from './views/landing.js';
import { PageQuery, sendPage, type SimulatorPageDeps } from './frame.js';

const LandingQuery = Type.Object({ ...PageQuery.properties, token: Type.Optional(Type.String({ maxLength: 1000 })) });
const ActivateForm = Type.Object({ token: Type.String({ maxLength: 1000 }) });

export async function landingPages(instance: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const { fulfillment, clock, catalog } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/landing', { schema: { querystring: LandingQuery } }, async (request, reply) => {
    const token = request.query.token ?? '';
    try {
      const { resolved } = await fulfillment.purchases.resolveAsOwner(token);
      return sendPage(reply, clock, request.query, 'Landing page', landingPage(resolved, token, catalog));
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      return sendPage(reply, clock, request.query, 'Link not valid', invalidLinkPage(error.message), { status: 400 });
    }
  });

  app.post('/ui/landing/activate', { schema: { body: ActivateForm } }, async (request, reply) => {
    const { token } = request.body;
    return act(reply, withQuery('/landing', { token }), async () => {
      const { publisher, resolved } = await fulfillment.purchases.resolveAsOwner(token);
      await fulfillment.api.activate(publisher, resolved.id, {
        planId: resolved.planId,
        ...(resolved.quantity !== undefined ? { quantity: resolved.quantity } : {}),
      });
      return withQuery(`/subscriptions/${resolved.id}`, { notice: 'Activated from the built-in landing page: billing has started.' });
    });
  });
}
