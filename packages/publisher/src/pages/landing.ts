// The landing page Microsoft sends buyers to: the token is decoded exactly once and resolved server-side
// (the browser never sees a marketplace token or API), the purchase is shown in words under the vendor's
// brand, and on confirmation it is provisioned and activated through the jobs queue. The confirmation
// redirects to a status page (safe to reload) that refreshes itself until the account is ready.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { landingPageToken, MarketplaceError } from '@saas-fulfillment/client';
import type { Clock } from '@saas-fulfillment/contract';
import { guardForms, html, type FormGuardOptions, type SafeHtml } from '@saas-fulfillment/web';
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type from 'typebox';
import type { Branding } from '../model/branding.js';
import type { PlanDirectory } from '../fulfillment/plans.js';
import type { PublisherFulfillment } from '../fulfillment/index.js';
import { TooManyResolves } from '../fulfillment/resolutions.js';
import type { PublisherStore } from '../store/repository.js';
import type { LocalSubscription } from '../model/subscription.js';
import { inProgress, NEXT_STEPS, problem, purchasePage, statusPage } from './views/landing.js';
import { buyerPage } from './views/layout.js';

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
  forms: FormGuardOptions;
}

/** The activation form is good for an hour; the status link for a day (it may be bookmarked). */
const LIFETIME_MS = { activate: 60 * 60_000, status: 24 * 60 * 60_000 } as const;
type Purpose = keyof typeof LIFETIME_MS;

// The token is read from the raw URL (decoded exactly once by landingPageToken), not from the parsed query.
const LandingQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 4000 })) });
const ActivateForm = Type.Object({ form: Type.String({ maxLength: 500 }) });
const StatusQuery = Type.Object({ ticket: Type.String({ maxLength: 500 }) });

export async function landingRoutes(instance: FastifyInstance, deps: LandingDeps): Promise<void> {
  const { branding } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  await guardForms(instance, deps.forms);
  const show = (reply: FastifyReply, title: string, body: SafeHtml, options: { status?: number; refreshSeconds?: number } = {}) =>
    reply
      .status(options.status ?? 200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(buyerPage(branding, { title, refreshSeconds: options.refreshSeconds }, body));
  const planName = (s: LocalSubscription) => deps.plans.nameOf(s.offerId, s.planId);

  app.get('/landing', { schema: { querystring: LandingQuery } }, async (request, reply) => {
    const user = request.session.get('user');
    if (deps.requireSignIn && !user) return reply.redirect(`/auth/login?next=${encodeURIComponent(request.url)}`, 302);
    const token = landingPageToken(request.url);
    if (!token) return show(reply, 'Link not valid', problem('This link has no purchase token.', NEXT_STEPS), { status: 400 });
    let subscription: LocalSubscription;
    try {
      subscription = await deps.fulfillment.activation.resolveLanding(token, request.ip);
    } catch (error) {
      if (error instanceof TooManyResolves)
        return show(
          reply.header('retry-after', String(error.retryAfterSeconds)),
          'Please wait a minute',
          problem(
            'Please wait a minute',
            'Many purchase links were opened from your network in the last minute. Reload this page in a minute to see your purchase.',
          ),
          { status: 429 },
        );
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

  app.post('/landing/activate', { schema: { body: ActivateForm } }, async (request, reply) => {
    const id = verify(deps, 'activate', request.body.form);
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

  app.get('/landing/status', { schema: { querystring: StatusQuery } }, async (request, reply) => {
    const id = verify(deps, 'status', request.query.ticket);
    const subscription = id && (await deps.store.getSubscription(id));
    if (!subscription) return show(reply, 'Link expired', problem('This status link has expired.', NEXT_STEPS), { status: 400 });
    const refreshSeconds = inProgress(subscription) ? 2 : subscription.provisioning === 'failed' ? 10 : undefined;
    return show(reply, 'Your subscription', statusPage(subscription, planName(subscription), branding), { refreshSeconds });
  });
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
