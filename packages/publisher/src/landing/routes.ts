// The landing page Microsoft sends buyers to: the token is decoded exactly once and resolved server-side
// (the browser never sees a marketplace token or API), the purchase is shown in words under the vendor's
// brand, and on confirmation it is provisioned and activated through the jobs queue. The confirmation
// redirects to a status page (safe to reload) that refreshes itself until the account is ready.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MarketplaceError } from '@saas-fulfillment/client';
import { landingPageToken } from '@saas-fulfillment/client';
import type { Clock } from '@saas-fulfillment/contract';
import { html, page, statusBadge, type SafeHtml } from '@saas-fulfillment/web';
import { termWords } from '@saas-fulfillment/web';
import { currentUser } from '../auth/oidc.js';
import { openProduct, supportFooter, type Branding } from '../branding.js';
import type { PlanDirectory } from '../fulfillment/plans.js';
import type { PublisherFulfillment } from '../fulfillment/index.js';
import type { PublisherStore } from '../store/repository.js';
import type { LocalSubscription } from '../model.js';

export interface LandingDeps {
  fulfillment: PublisherFulfillment;
  store: PublisherStore;
  plans: PlanDirectory;
  clock: Clock;
  /** Signs the activation form and the status link, so only someone who resolved a token can use them. */
  formSecret: string;
  branding: Branding;
  /** How long the confirmation waits for provisioning and activation before showing the status page anyway. */
  activationWaitMs: number;
  /** Ask the buyer to sign in with Microsoft (Entra ID) before showing the purchase. */
  requireSignIn: boolean;
}

/** The activation form is good for an hour; the status link for a day (it may be bookmarked). */
const LIFETIME_MS = { activate: 60 * 60_000, status: 24 * 60 * 60_000 } as const;
type Purpose = keyof typeof LIFETIME_MS;

export async function landingRoutes(app: FastifyInstance, deps: LandingDeps): Promise<void> {
  const { branding } = deps;
  const show = (reply: FastifyReply, title: string, body: SafeHtml, options: { status?: number; refreshSeconds?: number } = {}) =>
    reply
      .status(options.status ?? 200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(
        page(
          {
            title,
            app: branding.productName,
            logoUrl: branding.logoUrl,
            nav: [],
            footer: supportFooter(branding),
            refreshSeconds: options.refreshSeconds,
            narrow: true,
          },
          body,
        ),
      );
  const planName = (s: LocalSubscription) => deps.plans.nameOf(s.offerId, s.planId);

  app.get('/landing', async (request, reply) => {
    const user = currentUser(request);
    if (deps.requireSignIn && !user) return reply.redirect(`/auth/login?next=${encodeURIComponent(request.url)}`, 302);
    const token = landingPageToken(request.url);
    if (!token) return show(reply, 'Link not valid', problem('This link has no purchase token.', NEXT_STEPS), { status: 400 });
    let subscription: LocalSubscription;
    try {
      subscription = await deps.fulfillment.activation.resolveLanding(token);
    } catch (error) {
      if (error instanceof MarketplaceError && error.status === 400)
        return show(reply, 'Link expired', problem('This link has expired or is not valid.', NEXT_STEPS), { status: 400 });
      if (error instanceof MarketplaceError) {
        request.log.error({ status: error.status, code: error.code, requestId: error.requestId }, 'resolve failed');
        return show(reply, 'Try again', problem('We could not reach Microsoft to look up your purchase. Please reload this page in a minute.', ''), {
          status: 503,
        });
      }
      throw error;
    }
    await deps.plans.plansFor(subscription);
    const signedIn = user ? html`<p class="muted" id="signed-in">Signed in as ${user.name} (${user.email})</p>` : '';
    return show(
      reply,
      subscription.name,
      html`${signedIn}${purchasePage(subscription, planName(subscription), branding, sign(deps, 'activate', subscription.id))}`,
    );
  });

  app.post('/landing/activate', async (request: FastifyRequest<{ Body: Record<string, string | string[]> | undefined }>, reply) => {
    const form = request.body?.form;
    const id = verify(deps, 'activate', Array.isArray(form) ? (form.at(-1) ?? '') : (form ?? ''));
    if (!id) return show(reply, 'Link expired', problem('This confirmation form has expired.', NEXT_STEPS), { status: 400 });
    await deps.fulfillment.activation.requestActivation(id);
    // Most accounts are ready in a moment: wait a little so the buyer lands on "active" rather than "setting up".
    await waitFor(
      () => deps.store.getSubscription(id),
      (s) => !inProgress(s),
      deps.activationWaitMs,
    );
    return reply.redirect(`/landing/status?ticket=${encodeURIComponent(sign(deps, 'status', id))}`, 303);
  });

  app.get('/landing/status', async (request: FastifyRequest<{ Querystring: { ticket?: unknown } }>, reply) => {
    const ticket = request.query.ticket;
    const id = typeof ticket === 'string' ? verify(deps, 'status', ticket) : undefined;
    const subscription = id && (await deps.store.getSubscription(id));
    if (!subscription) return show(reply, 'Link expired', problem('This status link has expired.', NEXT_STEPS), { status: 400 });
    const refreshSeconds = inProgress(subscription) ? 2 : subscription.provisioning === 'failed' ? 10 : undefined;
    return show(reply, 'Your subscription', statusPage(subscription, planName(subscription), branding), { refreshSeconds });
  });
}

const NEXT_STEPS =
  'Open your subscription in the Azure portal or the Microsoft 365 admin center, and choose "Configure account" (for a new purchase) or "Manage account": it opens this page again with a fresh link.';

/** Activation or provisioning still running (a failed attempt is retried, but shown as such). */
function inProgress(s: LocalSubscription | undefined): boolean {
  return s !== undefined && s.provisioning !== 'failed' && (s.status === 'PendingFulfillmentStart' || s.provisioning === 'pending');
}

function problem(what: string, next: string): SafeHtml {
  return html`<h1>${what}</h1><section><p>${next}</p><p class="muted">Links from the marketplace are valid for a limited time and can be used only for the subscription they were made for.</p></section>`;
}

function details(s: LocalSubscription, planName: string): SafeHtml {
  const reseller = s.purchaser.tenantId !== undefined && s.purchaser.tenantId !== s.beneficiary.tenantId;
  return html`<section><dl>
<dt>Subscription</dt><dd>${s.name}</dd><dt>Plan</dt><dd id="plan">${planName}</dd>
<dt>Seats</dt><dd id="seats">${s.quantity ?? 'not priced per seat'}</dd><dt>Billing term</dt><dd>${termWords(s.termUnit)}</dd>
<dt>Status</dt><dd id="status">${statusBadge(s.status)}</dd>
<dt>Purchased by</dt><dd>${s.purchaser.emailId ?? '—'}</dd>
<dt>For</dt><dd>${s.beneficiary.emailId ?? '—'}</dd>
${reseller ? html`<dt>Bought through</dt><dd>a reseller (Cloud Solution Provider) on the customer's behalf</dd>` : ''}
</dl></section>`;
}

function purchasePage(s: LocalSubscription, planName: string, branding: Branding, form: string): SafeHtml {
  if (s.status !== 'PendingFulfillmentStart') return html`<h1>Manage your subscription</h1>${details(s, planName)}${standing(s, branding)}`;
  return html`<h1>Confirm your purchase</h1><p>Welcome to ${branding.productName}. Check the details, then activate to set up your account.</p>${details(s, planName)}
<section><form method="post" action="/landing/activate" id="activate"><input type="hidden" name="form" value="${form}">
<p>Billing starts when your account is ready.</p><button type="submit">Activate subscription</button></form></section>`;
}

/** Where an existing subscription stands, in words, with the way to the product when it is usable. */
function standing(s: LocalSubscription, branding: Branding): SafeHtml {
  switch (s.status) {
    case 'Subscribed':
      return s.provisioning === 'done' || s.provisioning === 'none'
        ? html`<section><p>Your subscription is active.</p>${openProduct(branding)}</section>`
        : html`<section><p>We are setting up your account; this page shows it once it is ready.</p></section>`;
    case 'Suspended':
      return html`<section><p>Your subscription is suspended until the payment is settled. Your data is kept.</p></section>`;
    case 'Unsubscribed':
      return html`<section><p>Your subscription has been cancelled. Your data is kept for at least 7 days.</p></section>`;
    default:
      return html`<section><p>Your subscription's status is ${statusBadge(s.status)}.</p></section>`;
  }
}

function statusPage(s: LocalSubscription, planName: string, branding: Branding): SafeHtml {
  if (s.provisioning === 'failed') {
    return html`<h1>We could not set up your account yet</h1><section><p id="result">Setting up your account failed; we are retrying automatically and our team has been told. You will not be billed until it is ready.</p></section>${details(s, planName)}`;
  }
  if (inProgress(s)) {
    return html`<h1>Setting up your account</h1><section><p id="result">This takes a moment. This page updates by itself; you will not be billed until the account is ready.</p></section>${details(s, planName)}`;
  }
  if (s.status === 'Subscribed') {
    return html`<h1>Your subscription is active</h1><section><p id="result">Welcome! ${s.name} is ready on the ${planName} plan${s.quantity ? ` with ${s.quantity} seats` : ''}.</p>${openProduct(branding)}</section>${details(s, planName)}`;
  }
  return html`<h1>Your subscription</h1>${details(s, planName)}${standing(s, branding)}`;
}

/** `id.expires.mac`: the subscription, until when, and a MAC over both and what the link is for. */
function sign(deps: LandingDeps, purpose: Purpose, subscriptionId: string): string {
  const body = `${subscriptionId}.${deps.clock.now().getTime() + LIFETIME_MS[purpose]}`;
  return `${body}.${mac(deps.formSecret, purpose, body).toString('base64url')}`;
}

function verify(deps: LandingDeps, purpose: Purpose, signed: string): string | undefined {
  const [id, expires, given] = signed.split('.');
  if (!id || !expires || !given) return undefined;
  const expected = mac(deps.formSecret, purpose, `${id}.${expires}`);
  const actual = Buffer.from(given, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  return Number(expires) > deps.clock.now().getTime() ? id : undefined;
}

function mac(secret: string, purpose: Purpose, body: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}.${body}`).digest();
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done(await read()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}
