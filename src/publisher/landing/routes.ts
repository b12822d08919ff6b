// The landing page Microsoft sends buyers to: the token is decoded exactly once and resolved server-side
// (the browser never sees a marketplace token or API), the purchase is shown, and on confirmation it is
// provisioned and activated through the jobs queue. Expired or invalid links are explained in plain words.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MarketplaceError } from '../../client/errors.js';
import { landingPageToken } from '../../client/landing.js';
import type { Clock } from '../../clock.js';
import { badge, html, page, type SafeHtml } from '../../http/html.js';
import { currentUser } from '../auth/oidc.js';
import type { PublisherFulfillment } from '../fulfillment/service.js';
import type { LocalSubscription, PublisherStore } from '../store/repository.js';

export interface LandingDeps {
  fulfillment: PublisherFulfillment;
  store: PublisherStore;
  clock: Clock;
  /** Signs the activation form so only someone who resolved a token can activate that subscription. */
  formSecret: string;
  productName: string;
  /** How long the confirmation waits for provisioning and activation before showing "in progress". */
  activationWaitMs: number;
  /** Ask the buyer to sign in with Microsoft (Entra ID) before showing the purchase. */
  requireSignIn: boolean;
}

const FORM_TTL_MS = 60 * 60_000;

export async function landingRoutes(app: FastifyInstance, deps: LandingDeps): Promise<void> {
  const show = (reply: FastifyReply, title: string, body: SafeHtml, status = 200) =>
    reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(page({ title, app: deps.productName, nav: [] }, body));

  app.get('/landing', async (request, reply) => {
    const user = currentUser(request);
    if (deps.requireSignIn && !user) return reply.redirect(`/auth/login?next=${encodeURIComponent(request.url)}`, 302);
    const token = landingPageToken(request.url);
    if (!token) return show(reply, 'Link not valid', problem('This link has no purchase token.', NEXT_STEPS), 400);
    let subscription: LocalSubscription;
    try {
      subscription = await deps.fulfillment.resolveLanding(token);
    } catch (error) {
      if (error instanceof MarketplaceError && error.status === 400) return show(reply, 'Link expired', problem('This link has expired or is not valid.', NEXT_STEPS), 400);
      if (error instanceof MarketplaceError) {
        request.log.error({ status: error.status, code: error.code, requestId: error.requestId }, 'resolve failed');
        return show(reply, 'Try again', problem('We could not reach Microsoft to look up your purchase. Please reload this page in a minute.', ''), 503);
      }
      throw error;
    }
    return show(reply, subscription.name, html`${user ? html`<p class="muted" id="signed-in">Signed in as ${user.name} (${user.email})</p>` : ''}${purchasePage(subscription, signForm(deps, subscription.id))}`);
  });

  app.post('/landing/activate', async (request: FastifyRequest<{ Body: Record<string, string> | undefined }>, reply) => {
    const id = verifyForm(deps, request.body?.form ?? '');
    if (!id) return show(reply, 'Link expired', problem('This confirmation form has expired.', NEXT_STEPS), 400);
    await deps.fulfillment.requestActivation(id);
    const settled = await waitFor(() => deps.store.getSubscription(id), (s) => s?.status !== 'PendingFulfillmentStart' || s.provisioning === 'failed', deps.activationWaitMs);
    return show(reply, 'Activation', activationPage(settled ?? (await deps.store.getSubscription(id))!));
  });
}

const NEXT_STEPS =
  'Open your subscription in the Azure portal or the Microsoft 365 admin center, and choose "Configure account" (for a new purchase) or "Manage account": it opens this page again with a fresh link.';

function problem(what: string, next: string): SafeHtml {
  return html`<h1>${what}</h1><section><p>${next}</p><p class="muted">Links from the marketplace are valid for a limited time and can be used only for the subscription they were made for.</p></section>`;
}

function purchasePage(s: LocalSubscription, form: string): SafeHtml {
  const isNew = s.status === 'PendingFulfillmentStart';
  const details = html`<section><dl>
<dt>Subscription</dt><dd>${s.name}</dd><dt>Offer</dt><dd>${s.offerId}</dd><dt>Plan</dt><dd id="plan">${s.planId}</dd>
<dt>Seats</dt><dd id="seats">${s.quantity ?? 'not priced per seat'}</dd><dt>Status</dt><dd id="status">${badge(s.status)}</dd>
<dt>Purchased by</dt><dd>${s.purchaser.emailId ?? '—'} <span class="muted mono">tenant ${s.purchaser.tenantId ?? '—'}</span></dd>
<dt>For</dt><dd>${s.beneficiary.emailId ?? '—'} <span class="muted mono">tenant ${s.beneficiary.tenantId ?? '—'}</span></dd>
${s.purchaser.tenantId !== s.beneficiary.tenantId ? html`<dt>Bought through</dt><dd>a reseller (Cloud Solution Provider) on the customer's behalf</dd>` : ''}
</dl></section>`;
  if (!isNew) {
    return html`<h1>Manage your subscription</h1>${details}<section><p>This subscription is already set up. ${
      s.status === 'Suspended' ? 'It is suspended until the payment is settled; your data is kept.' : s.status === 'Unsubscribed' ? 'It has been cancelled; your data is kept for at least 7 days.' : 'Everything is in order.'
    }</p></section>`;
  }
  return html`<h1>Confirm your purchase</h1>${details}
<section><form method="post" action="/landing/activate" id="activate"><input type="hidden" name="form" value="${form}">
<p>Confirm to set up your account. Billing starts when the account is ready.</p><button type="submit">Activate subscription</button></form></section>`;
}

function activationPage(s: LocalSubscription): SafeHtml {
  if (s.status === 'Subscribed') return html`<h1>Your subscription is active</h1><section><p id="result">Welcome! ${s.name} is ready on plan ${s.planId}${s.quantity ? ` with ${s.quantity} seats` : ''}.</p></section>`;
  if (s.provisioning === 'failed') {
    return html`<h1>We could not set up your account yet</h1><section><p id="result">Setting up your account failed; we are retrying automatically and our team has been told. You will not be billed until it is ready.</p></section>`;
  }
  return html`<h1>Setting up your account</h1><section><p id="result">This can take a moment. Reload this page to see progress; you will not be billed until the account is ready.</p></section>`;
}

function signForm(deps: LandingDeps, subscriptionId: string): string {
  const expires = deps.clock.now().getTime() + FORM_TTL_MS;
  const body = `${subscriptionId}.${expires}`;
  return `${body}.${createHmac('sha256', deps.formSecret).update(body).digest('base64url')}`;
}

function verifyForm(deps: LandingDeps, form: string): string | undefined {
  const [id, expires, mac] = form.split('.');
  if (!id || !expires || !mac) return undefined;
  const expected = createHmac('sha256', deps.formSecret).update(`${id}.${expires}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return Number(expires) > deps.clock.now().getTime() ? id : undefined;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
