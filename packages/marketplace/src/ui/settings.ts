// Settings: where each publisher's landing page and webhook are (changed at run time, kept across
// restarts; empty goes back to the catalog's or the built-in one), and a reset of all marketplace state.
import type { FastifyInstance } from 'fastify';
import { html, type SafeHtml } from '@saas-fulfillment/web';
import type { EndpointSource, PublisherEndpointsView } from '../endpoints.js';
import { requirePublisher } from '../routes/simulator.js';
import { act, field, show, withQuery, type FormRequest, type PageRequest, type SimulatorPageDeps } from './shell.js';

const SOURCE: Record<EndpointSource, string> = { runtime: 'set here', catalog: 'from the catalog', 'built-in': "the emulator's own" };

export async function settingsPages(app: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  app.get('/settings', async (request: PageRequest, reply) => show(reply, request, deps.clock, 'Settings', settingsPage(deps.endpoints.list())));

  app.post('/ui/settings/:id', async (request: FormRequest, reply) =>
    act(reply, '/settings', async () => {
      const publisher = requirePublisher(deps.catalog, request.params.id);
      const url = (name: string) => {
        const value = field(request.body, name)?.trim() ?? '';
        if (value === '') return null;
        if (!/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) throw new TypeError(name);
        return value;
      };
      try {
        await deps.endpoints.update(publisher, { webhookUrl: url('webhookUrl'), landingPageUrl: url('landingPageUrl') });
      } catch (error) {
        if (error instanceof TypeError)
          return withQuery('/settings', {
            error: `${error.message === 'webhookUrl' ? 'Webhook' : 'Landing page'} must be an http(s) URL, or empty for the default`,
          });
        throw error;
      }
      return withQuery('/settings', { notice: `Saved for ${publisher.displayName ?? publisher.publisherId}.` });
    }),
  );

  app.post('/ui/reset', async (_request, reply) => {
    await deps.reset();
    return reply.redirect(
      withQuery('/', { notice: 'Everything was reset: no subscriptions, operations, webhooks or usage; the clock is back to real time.' }),
      303,
    );
  });
}

function settingsPage(publishers: PublisherEndpointsView[]): SafeHtml {
  return html`<h1>Settings</h1>
${publishers.map(
  (p) => html`<section><h2>${p.displayName}</h2>
<form method="post" action="/ui/settings/${p.publisherId}"><div class="grid">
<div><label for="landing-${p.publisherId}">Landing page</label><input id="landing-${p.publisherId}" name="landingPageUrl" value="${p.landingPageSource === 'runtime' ? p.landingPageUrl : ''}" placeholder="${p.landingPageUrl}"><div class="muted">Now: <code class="url">${p.landingPageUrl}</code> (${SOURCE[p.landingPageSource]})</div></div>
<div><label for="webhook-${p.publisherId}">Connection webhook</label><input id="webhook-${p.publisherId}" name="webhookUrl" value="${p.webhookSource === 'runtime' ? p.webhookUrl : ''}" placeholder="${p.webhookUrl}"><div class="muted">Now: <code class="url">${p.webhookUrl}</code> (${SOURCE[p.webhookSource]})</div></div>
</div><p><button type="submit">Save</button> <span class="muted">Leave a field empty for the default.</span></p></form></section>`,
)}
<section><h2>Reset</h2><p>Empties subscriptions, operations, landing tokens, webhook deliveries, the inbox and usage, and moves the clock back to real time. Keys and the settings above stay.</p>
<form method="post" action="/ui/reset"><button class="danger" type="submit">Reset everything</button></form></section>`;
}
