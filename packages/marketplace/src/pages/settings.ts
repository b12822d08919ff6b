// The settings page and its forms: a publisher's landing page and webhook, and the reset.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { act, withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { resetPage, settingsPage } from './views/settings.js';
import { IdParams, PageQuery, sendPage, type SimulatorPageDeps } from './frame.js';
import { MarketplaceErrors as E } from '../errors.js';

const ResetForm = Type.Optional(Type.Object({ confirm: Type.Optional(Type.String({ maxLength: 20 })) }));
const EndpointsForm = Type.Object({
  webhookUrl: Type.Optional(Type.String({ maxLength: 2000 })),
  landingPageUrl: Type.Optional(Type.String({ maxLength: 2000 })),
});

/** A URL field: empty goes back to the default; anything else must be an http(s) URL. */
function endpoint(value: string | undefined, name: 'webhookUrl' | 'landingPageUrl'): string | null {
  const url = value?.trim() ?? '';
  if (url === '') return null;
  if (!/^https?:\/\/\S+$/.test(url) || !URL.canParse(url)) {
    throw E.badEndpoint(name);
  }
  return url;
}

export async function settingsPages(instance: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/settings', { schema: { querystring: PageQuery } }, async (request, reply) =>
    sendPage(reply, deps.clock, request.query, 'Settings', settingsPage(deps.endpoints.list())),
  );

  app.post('/ui/settings/:id', { schema: { params: IdParams, body: EndpointsForm } }, async (request, reply) =>
    act(reply, '/settings', async () => {
      const publisher = deps.catalog.requirePublisher(request.params.id);
      const change = { webhookUrl: endpoint(request.body.webhookUrl, 'webhookUrl'), landingPageUrl: endpoint(request.body.landingPageUrl, 'landingPageUrl') };
      await deps.endpoints.update(publisher, change);
      return withQuery('/settings', { notice: `Saved for ${publisher.displayName ?? publisher.publisherId}.` });
    }),
  );

  // Nothing is emptied on one click: the settings page leads here, where what goes is said first.
  app.get('/reset', { schema: { querystring: PageQuery } }, async (request, reply) =>
    sendPage(reply, deps.clock, request.query, 'Reset everything?', resetPage(deps.resetEmptiesPublisher)),
  );

  app.post('/ui/reset', { schema: { body: ResetForm } }, async (request, reply) => {
    if (request.body?.confirm !== 'everything') return reply.redirect('/reset', 303);
    const done = await deps.reset();
    const what = done.seeded
      ? 'Everything was reset to the seed the emulator started from'
      : 'Everything was reset: no subscriptions, operations, webhooks or usage';
    const publisher = done.publisherToo ? ' The publisher service beside the emulator forgot its subscriptions, jobs and usage too.' : '';
    return reply.redirect(withQuery('/', { notice: `${what}; the clock is back to real time.${publisher}` }), 303);
  });
}
