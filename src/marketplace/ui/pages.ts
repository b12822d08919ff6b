// The purchase simulator pages: buy a plan, follow the landing link, act as the customer (change plan or
// seats, payment failure and fix, cancel, renew), move time, and watch every webhook delivery.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../contract/errors.js';
import { TERM_UNITS, type TermUnit } from '../../contract/schemas.js';
import { badge, html, page, type SafeHtml } from '../../http/html.js';
import type { AdjustableClock, ClockAdvance } from '../app.js';
import { seatLimits, type Catalog } from '../catalog.js';
import { landingPageUrl, type CustomerAction, type FulfillmentService } from '../fulfillment.js';
import { isLoopback } from '../routes/simulator.js';
import type { DeliveryRecord, MarketplaceStore, SubscriptionRecord } from '../store/repository.js';

export interface SimulatorPageDeps {
  fulfillment: FulfillmentService;
  store: MarketplaceStore;
  catalog: Catalog;
  clock: AdjustableClock;
  advanceClock: (advanceBy: string) => Promise<ClockAdvance>;
  allowRemote: boolean;
}

type Form = Record<string, string | undefined>;
type FormRequest = FastifyRequest<{ Body: Form | undefined; Params: { id: string } }>;
type PageRequest = FastifyRequest<{ Querystring: { notice?: string; error?: string; token?: string }; Params: { id: string } }>;

const NAV = [
  { href: '/', label: 'Buy' },
  { href: '/subscriptions', label: 'Subscriptions' },
  { href: '/webhooks', label: 'Webhooks' },
];

export async function simulatorPages(app: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const { fulfillment, store, catalog } = deps;

  app.addHook('onRequest', async (request, reply) => {
    if (!deps.allowRemote && !isLoopback(request.socket.remoteAddress)) {
      return reply.status(403).type('text/plain').send('The purchase simulator answers loopback callers only.');
    }
  });

  const show = (reply: FastifyReply, request: PageRequest, title: string, body: SafeHtml) =>
    reply.type('text/html; charset=utf-8').send(page({ title, app: 'Marketplace simulator', nav: NAV, notice: request.query.notice, error: request.query.error }, body));

  app.get('/', async (request: PageRequest, reply) => show(reply, request, 'Buy', buyPage(catalog, deps.clock)));

  app.post('/ui/purchase', async (request: FormRequest, reply) => {
    const form = request.body ?? {};
    const [offerId = '', planId = ''] = (form.plan ?? '').split('/');
    return act(reply, '/', async () => {
      const plan = catalog.plan(offerId, planId);
      const purchase = await fulfillment.purchase({
        offerId,
        planId,
        quantity: plan?.pricing === 'perSeat' ? toInteger(form.quantity, 'quantity') : undefined,
        name: form.name || undefined,
        termUnit: (form.termUnit || undefined) as TermUnit | undefined,
        isFreeTrial: form.isFreeTrial === 'on',
        isTest: form.isTest === 'on',
        autoRenew: form.autoRenew === 'on',
        csp: form.csp === 'on',
      });
      return `/subscriptions/${purchase.subscriptionId}?notice=${encodeURIComponent('Purchased. Open the landing page to configure the account.')}&token=${encodeURIComponent(purchase.token)}`;
    });
  });

  app.get('/subscriptions', async (request: PageRequest, reply) =>
    show(reply, request, 'Subscriptions', subscriptionsPage(await store.recentSubscriptions(200), deps.clock)),
  );

  app.get('/subscriptions/:id', async (request: PageRequest, reply) => {
    const subscription = /^[0-9a-f-]{36}$/i.test(request.params.id) ? await store.getSubscription(request.params.id) : undefined;
    if (!subscription) return reply.status(404).type('text/html; charset=utf-8').send(page({ title: 'Not found', app: 'Marketplace simulator', nav: NAV, error: `No subscription ${request.params.id}` }, html``));
    const publisher = catalog.publisher(subscription.publisherId);
    const token = request.query.token;
    const landing = token && publisher ? landingPageUrl(publisher, token) : undefined;
    const operations = await store.listOperations(subscription.id);
    const deliveries = await store.listDeliveries({ subscriptionId: subscription.id, limit: 50 });
    return show(reply, request, subscription.name, subscriptionPage(subscription, catalog, operations, deliveries, landing));
  });

  app.post('/ui/subscriptions/:id/action', async (request: FormRequest, reply) => {
    const form = request.body ?? {};
    const back = `/subscriptions/${encodeURIComponent(request.params.id)}`;
    return act(reply, back, async () => {
      const action = form.action as CustomerAction;
      const operation = await fulfillment.customerAction(request.params.id, {
        action,
        planId: form.planId || undefined,
        quantity: action === 'ChangeQuantity' ? toInteger(form.quantity, 'quantity') : undefined,
      });
      return `${back}?notice=${encodeURIComponent(`${action}: operation ${operation.id} is ${operation.status}`)}`;
    });
  });

  app.post('/ui/subscriptions/:id/token', async (request: FormRequest, reply) => {
    const back = `/subscriptions/${encodeURIComponent(request.params.id)}`;
    return act(reply, back, async () => {
      const issued = await fulfillment.issueLandingToken(request.params.id);
      return `${back}?notice=${encodeURIComponent('New landing token issued (Manage account).')}&token=${encodeURIComponent(issued.token)}`;
    });
  });

  app.post('/ui/clock', async (request: FormRequest, reply) => {
    const advanceBy = request.body?.advanceBy ?? '';
    return act(reply, '/subscriptions', async () => {
      const { applied } = await deps.advanceClock(advanceBy);
      return `/subscriptions?notice=${encodeURIComponent(`Clock moved by ${advanceBy}; ${applied} scheduled event(s) ran.`)}`;
    });
  });

  app.get('/webhooks', async (request: PageRequest, reply) => show(reply, request, 'Webhooks', webhooksPage(await store.listDeliveries({ limit: 200 }))));
}

/** Runs a form action and redirects: to where it leads, or back with the error in plain words. */
async function act(reply: FastifyReply, back: string, work: () => Promise<string>) {
  try {
    return reply.redirect(await work(), 303);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const separator = back.includes('?') ? '&' : '?';
    return reply.redirect(`${back}${separator}error=${encodeURIComponent(error.message)}`, 303);
  }
}

function toInteger(value: string | undefined, field: string): number {
  if (!value || !/^\d{1,7}$/.test(value.trim())) throw new ApiError(400, 'BadArgument', `${field} must be a whole number`, field);
  return Number(value);
}

function buyPage(catalog: Catalog, clock: AdjustableClock): SafeHtml {
  const options = catalog.publishers.flatMap((publisher) =>
    publisher.offers.flatMap((offer) =>
      offer.plans
        .filter((plan) => !plan.isStopSell)
        .map((plan) => {
          const price = plan.billingTerms.map((t) => `${t.price} ${plan.currency ?? 'USD'}/${t.termUnit}`).join(', ');
          const seats = plan.pricing === 'perSeat' ? ` · per seat ${seatLimits(plan).min}-${seatLimits(plan).max}` : ' · flat';
          return html`<option value="${offer.offerId}/${plan.planId}">${offer.displayName}: ${plan.displayName}${plan.isPrivate ? ' (private)' : ''} (${price}${seats})</option>`;
        }),
    ),
  );
  return html`<h1>Buy a SaaS subscription</h1>
<section><form method="post" action="/ui/purchase" id="buy">
<div class="grid">
<div><label for="plan">Offer and plan</label><select id="plan" name="plan">${options}</select></div>
<div><label for="quantity">Seats (per-seat plans)</label><input id="quantity" name="quantity" type="number" min="1" value="5"></div>
<div><label for="name">Subscription name</label><input id="name" name="name" placeholder="Contoso for Fabrikam"></div>
<div><label for="termUnit">Term</label><select id="termUnit" name="termUnit"><option value="">plan's first term</option>${TERM_UNITS.map((u) => html`<option>${u}</option>`)}</select></div>
</div>
<p><label><input type="checkbox" name="autoRenew" checked> Renew automatically</label>
<label><input type="checkbox" name="isFreeTrial"> Free trial (one month)</label>
<label><input type="checkbox" name="isTest"> Test purchase</label>
<label><input type="checkbox" name="csp"> Bought through a reseller (CSP)</label></p>
<button type="submit">Buy</button></form></section>
<p class="muted">Marketplace time: ${clock.now().toISOString()}</p>`;
}

function subscriptionsPage(subscriptions: SubscriptionRecord[], clock: AdjustableClock): SafeHtml {
  const rows = subscriptions.map(
    (s) => html`<tr><td><a href="/subscriptions/${s.id}">${s.name}</a><div class="mono muted">${s.id}</div></td>
<td>${s.offerId} / ${s.planId}</td><td>${s.quantity ?? '—'}</td><td>${badge(s.status)}</td><td>${s.termEnd ?? '—'}</td></tr>`,
  );
  return html`<h1>Subscriptions</h1>
<section><table><thead><tr><th>Name</th><th>Offer / plan</th><th>Seats</th><th>Status</th><th>Term ends</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="5" class="muted">Nothing bought yet.</td></tr>`}</tbody></table></section>
<section><h2>Marketplace clock</h2><p>Now: <span class="mono" id="clock-now">${clock.now().toISOString()}</span></p>
<form class="inline" method="post" action="/ui/clock"><label for="advanceBy">Move forward by</label><input id="advanceBy" name="advanceBy" value="P1M" size="8"><button type="submit">Advance</button></form></section>`;
}

function subscriptionPage(
  s: SubscriptionRecord,
  catalog: Catalog,
  operations: Awaited<ReturnType<MarketplaceStore['listOperations']>>,
  deliveries: DeliveryRecord[],
  landing: string | undefined,
): SafeHtml {
  const plans = catalog.plansFor(s.offerId, s.beneficiary.tenantId).filter((p) => p.planId !== s.planId && !p.isStopSell);
  const actionForm = (action: CustomerAction, label: string, extra: SafeHtml | string = '', style = 'secondary') =>
    html`<form class="inline" method="post" action="/ui/subscriptions/${s.id}/action"><input type="hidden" name="action" value="${action}">${extra}<button class="${style}" type="submit">${label}</button></form>`;
  const actions = [
    s.status === 'Subscribed' && plans.length
      ? actionForm('ChangePlan', 'Change plan', html`<select name="planId" aria-label="New plan">${plans.map((p) => html`<option value="${p.planId}">${p.displayName}</option>`)}</select>`)
      : '',
    s.status === 'Subscribed' && s.quantity !== undefined
      ? actionForm('ChangeQuantity', 'Change seats', html`<input name="quantity" type="number" min="1" value="${s.quantity + 1}" aria-label="Seats" size="5">`)
      : '',
    s.status === 'Subscribed' ? actionForm('Suspend', 'Payment failed (suspend)') : '',
    s.status === 'Suspended' ? actionForm('Reinstate', 'Payment fixed (reinstate)') : '',
    s.status === 'Subscribed' ? actionForm('Renew', 'Renew now') : '',
    s.status !== 'Unsubscribed' ? actionForm('Unsubscribe', 'Cancel subscription', '', 'danger') : '',
  ];
  return html`<h1>${s.name} ${badge(s.status)}</h1>
${landing ? html`<section><h2>Landing page</h2><p><a id="landing-link" href="${landing}">Configure account now</a></p><p class="muted mono">${landing}</p></section>` : ''}
<section><dl>
<dt>Subscription id</dt><dd class="mono">${s.id}</dd><dt>Offer / plan</dt><dd>${s.offerId} / <strong id="plan-id">${s.planId}</strong></dd>
<dt>Seats</dt><dd id="quantity">${s.quantity ?? '—'}</dd><dt>Term</dt><dd>${s.termUnit} ${s.termStart ? `${s.termStart} → ${s.termEnd}` : '(starts on activation)'}</dd>
<dt>Auto-renew</dt><dd>${s.autoRenew ? 'yes' : 'no'}</dd><dt>Free trial</dt><dd>${s.isFreeTrial ? 'yes' : 'no'}</dd>
<dt>Purchaser</dt><dd>${s.purchaser.emailId} <span class="mono muted">tenant ${s.purchaser.tenantId}</span></dd>
<dt>Beneficiary</dt><dd>${s.beneficiary.emailId} <span class="mono muted">tenant ${s.beneficiary.tenantId}</span></dd>
</dl></section>
<section><h2>Act as the customer</h2>${actions}
<form class="inline" method="post" action="/ui/subscriptions/${s.id}/token"><button class="secondary" type="submit">Manage account (new landing token)</button></form></section>
<section><h2>Operations</h2><table><thead><tr><th>When</th><th>Action</th><th>Source</th><th>Status</th><th>Plan / seats</th><th>Note</th></tr></thead>
<tbody>${operations.map((o) => html`<tr><td class="mono">${o.timeStamp}</td><td>${o.action}</td><td>${o.source}</td><td>${badge(o.status)}</td><td>${o.planId} / ${o.quantity ?? '—'}</td><td>${o.errorMessage ?? ''}</td></tr>`)}</tbody></table></section>
<section><h2>Webhook deliveries</h2>${deliveryTable(deliveries)}</section>`;
}

function webhooksPage(deliveries: DeliveryRecord[]): SafeHtml {
  return html`<h1>Webhook deliveries</h1><section>${deliveryTable(deliveries)}</section>`;
}

function deliveryTable(deliveries: DeliveryRecord[]): SafeHtml {
  if (deliveries.length === 0) return html`<p class="muted">No webhooks sent yet.</p>`;
  return html`<table><thead><tr><th>Created</th><th>Action</th><th>Status</th><th>Attempts</th><th>Last answer</th><th>Latency</th><th>To</th></tr></thead><tbody>${deliveries.map((d) => {
    const payload = JSON.parse(d.payload) as { action: string; subscriptionId: string };
    return html`<tr class="delivery"><td class="mono">${d.created}</td><td>${payload.action} <a class="mono muted" href="/subscriptions/${payload.subscriptionId}">${payload.subscriptionId.slice(0, 8)}</a></td><td>${badge(d.status)}</td><td>${d.attempts}</td><td>${d.lastStatusCode ?? d.lastError ?? '—'}</td><td>${d.lastLatencyMs === undefined ? '—' : `${d.lastLatencyMs} ms`}</td><td class="mono">${d.url}</td></tr>`;
  })}</tbody></table>`;
}
