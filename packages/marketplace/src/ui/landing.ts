// The emulator's own landing page, used when a publisher has none: it resolves the token as the
// publisher would and offers Activate, so a purchase can be taken all the way with the emulator alone.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '@saas-fulfillment/contract';
import type { ResolvedSubscription } from '@saas-fulfillment/contract';
import { html, idCode, statusBadge, type SafeHtml } from '@saas-fulfillment/web';
import { termWords } from '@saas-fulfillment/web';
import type { Catalog } from '../catalog.js';
import { act, field, planNames, show, withQuery, type FormRequest, type PageRequest, type SimulatorPageDeps } from './shell.js';

export async function landingPages(app: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const { fulfillment, clock, catalog } = deps;

  app.get('/landing', async (request: PageRequest, reply) => {
    const token = typeof request.query.token === 'string' ? request.query.token : '';
    try {
      const { resolved } = await fulfillment.purchases.resolveAsOwner(token);
      return show(reply, request, clock, 'Landing page', landingPage(resolved, token, catalog));
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      const body = html`<h1>This link is not valid</h1><section><p>${error.message}</p><p>Open the subscription in the <a href="/subscriptions">simulator</a> and choose "Configure account now" or "Manage account" for a fresh link.</p></section>`;
      return show(reply, request, clock, 'Link not valid', body, { status: 400 });
    }
  });

  app.post('/ui/landing/activate', async (request: FormRequest, reply) => {
    const token = field(request.body, 'token') ?? '';
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

function landingPage(resolved: ResolvedSubscription, token: string, catalog: Catalog): SafeHtml {
  const s = resolved.subscription;
  const names = planNames(catalog, s.offerId, s.planId);
  const pending = s.saasSubscriptionStatus === 'PendingFulfillmentStart';
  return html`<h1>${pending ? 'Configure your account' : 'Manage your account'}</h1>
<p class="muted">The emulator's built-in landing page: the publisher has none configured (set one in <a href="/settings">Settings</a>).</p>
<section><dl>
<dt>Subscription</dt><dd>${s.name} <div class="muted">${idCode(s.id)}</div></dd>
<dt>Offer</dt><dd>${names.offer}</dd><dt>Plan</dt><dd id="landing-plan">${names.plan}</dd>
<dt>Seats</dt><dd>${s.quantity ?? 'not priced per seat'}</dd><dt>Term</dt><dd>${termWords(s.term.termUnit)}</dd>
<dt>Status</dt><dd>${statusBadge(s.saasSubscriptionStatus)}</dd>
<dt>Purchaser</dt><dd>${s.purchaser.emailId ?? '—'}</dd><dt>Beneficiary</dt><dd>${s.beneficiary.emailId ?? '—'}</dd>
</dl></section>
${
  pending
    ? html`<section><form method="post" action="/ui/landing/activate"><input type="hidden" name="token" value="${token}"><p>Activating tells the marketplace the account is ready: billing starts.</p><button type="submit" id="activate">Activate</button></form></section>`
    : html`<section><p>This subscription is already set up. <a href="/subscriptions/${s.id}">See it in the simulator</a>.</p></section>`
}`;
}
