// The admin console's pages, behind sign-in: subscriptions with search, filters and paging; one
// subscription's timeline with the changes a publisher may ask for; jobs with "run now"; drift repairs.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { act, guardForms, html, localPath, wholeNumber, withQuery, type FormGuardOptions, type SafeHtml } from '@saas-fulfillment/web';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CredentialHealth } from '@saas-fulfillment/client';
import type { Clock } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { requireAdmin, type AdminAuth } from '../auth/admin.js';
import { createLoginBrake } from '../auth/brake.js';
import type { PublisherMetrics } from '../metrics.js';
import type { AdminConsole } from '../console.js';
import type { PlanDirectory } from '../fulfillment/plans.js';
import { driftPage, jobsPage, loginPage, pendingWork, subscriptionPage, subscriptionsPage } from './views/admin.js';
import { consolePage, type FrameOptions } from './views/layout.js';
import { connectionPage } from './views/connection.js';
import { ConsoleQuery, IdParams, JobsQuery } from '../routes/admin.js';

export interface AdminPageDeps {
  auth: AdminAuth;
  console: AdminConsole;
  plans: PlanDirectory;
  productName: string;
  metrics: PublisherMetrics;
  forms: FormGuardOptions;
  /** The marketplace client's credential, for the Connection page (absent: nothing to show). */
  credential: { health(): CredentialHealth } | undefined;
  /** Where the client calls the marketplace: Microsoft's API, or an emulator's. */
  marketplaceApi: string;
  clock: Clock;
}

const LoginForm = Type.Object({ password: Type.String({ maxLength: 1000 }), next: Type.Optional(Type.String({ maxLength: 500 })) });
const ChangeForm = Type.Object({
  planId: Type.Optional(Type.String({ maxLength: 50 })),
  quantity: Type.Optional(Type.String({ maxLength: 10 })),
  cancel: Type.Optional(Type.Literal('yes')),
});

type Show = (reply: FastifyReply, frame: FrameOptions & { signedIn?: boolean }, body: SafeHtml, status?: number) => FastifyReply;

/** Only console pages are followed after signing in. */
const consolePath = (next: string | undefined) => localPath(next, '/admin', '/admin');

export async function adminPages(instance: FastifyInstance, deps: AdminPageDeps): Promise<void> {
  const { auth, console } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  requireAdmin(instance, auth);
  await guardForms(instance, deps.forms);
  const planName = (offerId: string, planId: string) => deps.plans.nameOf(offerId, planId);
  const show = (reply: FastifyReply, frame: FrameOptions & { signedIn?: boolean }, body: SafeHtml, status = 200) =>
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(consolePage(deps.productName, frame, body));

  await passwordSignIn(instance, deps, show);

  app.post('/admin/logout', async (request, reply) => {
    await auth.signOut(request);
    return reply.redirect('/admin/login', 303);
  });

  app.get('/admin', { schema: { querystring: ConsoleQuery } }, async (request, reply) => {
    const result = await console.findSubscriptions(request.query);
    await deps.plans.learn(result.items);
    const body = subscriptionsPage(result, request.query, planName);
    return show(reply, { title: 'Subscriptions', ...request.query }, body);
  });

  app.get('/admin/subscriptions/:id', { schema: { params: IdParams, querystring: ConsoleQuery } }, async (request, reply) => {
    const data = await console.timeline(request.params.id).catch(() => undefined);
    if (!data) return show(reply, { title: 'Not found' }, html`<h1>No such subscription</h1>`, 404);
    const plans = data.subscription.status === 'Subscribed' ? await deps.plans.plansFor(data.subscription) : undefined;
    const refreshSeconds = pendingWork(data, planName).length > 0 ? 3 : undefined;
    return show(reply, { title: data.subscription.name || data.subscription.id, ...request.query, refreshSeconds }, subscriptionPage(data, plans, planName));
  });

  app.post('/admin/subscriptions/:id/change', { schema: { params: IdParams, body: ChangeForm } }, async (request, reply) => {
    const { planId, quantity, cancel } = request.body;
    const back = `/admin/subscriptions/${encodeURIComponent(request.params.id)}`;
    return act(reply, back, async () => {
      const change = cancel ? 'cancel' : planId ? { planId } : { quantity: wholeNumber(quantity, 'Seats') };
      const operationId = await console.requestChange(request.params.id, change, request.admin);
      return withQuery(back, { notice: `Requested (operation ${operationId.slice(0, 8)}): it applies when Microsoft completes it.` });
    });
  });

  app.get('/admin/jobs', { schema: { querystring: JobsQuery } }, async (request, reply) => {
    const jobs = await console.jobs(request.query.status);
    const refreshSeconds = jobs.some((j) => j.status === 'running' || j.status === 'pending') ? 5 : undefined;
    return show(reply, { title: 'Jobs', ...request.query, refreshSeconds }, jobsPage(jobs));
  });

  app.post('/admin/jobs/:id/retry', { schema: { params: IdParams } }, async (request, reply) =>
    act(reply, '/admin/jobs', async () => {
      await console.retryJob(request.params.id);
      return withQuery('/admin/jobs', { notice: 'Job queued again.' });
    }),
  );

  app.post('/admin/reconcile', async (_request, reply) => {
    await console.reconcileNow();
    return reply.redirect(withQuery('/admin/drift', { notice: 'Reconciliation queued.' }), 303);
  });

  app.get('/admin/connection', async (_request, reply) =>
    show(reply, { title: 'Connection' }, connectionPage(deps.credential?.health(), deps.clock.now(), deps.marketplaceApi)),
  );

  app.get('/admin/drift', { schema: { querystring: ConsoleQuery } }, async (request, reply) =>
    show(reply, { title: 'Drift repairs', ...request.query }, driftPage(await console.driftRepairsWithOffers(), planName)),
  );
}

/** The password sign-in form and its post, behind the brake on guessing. */
async function passwordSignIn(instance: FastifyInstance, deps: AdminPageDeps, show: Show): Promise<void> {
  const { auth } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const brake = await createLoginBrake(instance);
  app.get('/admin/login', { schema: { querystring: ConsoleQuery } }, async (request, reply) =>
    show(reply, { title: 'Sign in', error: request.query.error, signedIn: false }, loginPage(consolePath(request.query.next), auth.microsoftSignIn)),
  );

  app.post('/admin/login', { schema: { body: LoginForm } }, async (request, reply) => {
    const next = consolePath(request.body.next);
    const verdict = await brake(request);
    if (!verdict.admitted) {
      deps.metrics.logins.inc({ result: 'braked' });
      request.log.warn({ ip: request.ip }, 'console sign-in braked: too many attempts from this address');
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      const error = `Too many sign-in attempts from this address: try again in ${verdict.retryAfterSeconds} seconds.`;
      return show(reply, { title: 'Sign in', error, signedIn: false }, loginPage(next, auth.microsoftSignIn), 429);
    }
    if (verdict.slowed) {
      deps.metrics.logins.inc({ result: 'slowed' });
      request.log.warn({ ip: request.ip }, 'console sign-in slowed: many attempts on the account from several addresses');
    }
    if (!(await auth.passwordMatches(request.body.password))) {
      deps.metrics.logins.inc({ result: 'refused' });
      request.log.warn({ ip: request.ip }, 'console sign-in refused: wrong password');
      return reply.redirect(withQuery('/admin/login', { error: 'Wrong password.', next }), 303);
    }
    const admin = await auth.signIn(request, { via: 'password' });
    deps.metrics.logins.inc({ result: 'accepted' });
    request.log.info({ ip: request.ip, admin }, 'console sign-in');
    return reply.redirect(next, 303);
  });
}
