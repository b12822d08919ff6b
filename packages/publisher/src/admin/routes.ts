// The admin console (server-rendered, behind sign-in) and its JSON twin under /api/admin: subscriptions
// with search, filters and paging; one subscription's timeline; jobs with retry; drift repairs; and
// publisher-initiated changes (plan, seats, cancel).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ApiError } from '@saas-fulfillment/contract';
import { MarketplaceError } from '@saas-fulfillment/client';
import { html, page, type SafeHtml } from '@saas-fulfillment/web';
import type { PlanDirectory } from '../fulfillment/plans.js';
import type { PublisherFulfillment } from '../fulfillment/index.js';
import type { PublisherStore } from '../store/repository.js';
import type { JobStatus } from '../jobs/job.js';
import type { Clock } from '@saas-fulfillment/contract';
import type { AdminAuth } from './auth.js';
import { driftPage, jobsPage, PAGE_SIZE, pendingWork, subscriptionPage, subscriptionsPage, type SubscriptionTimeline } from './views.js';

export interface AdminDeps {
  auth: AdminAuth;
  store: PublisherStore;
  fulfillment: PublisherFulfillment;
  plans: PlanDirectory;
  clock: Clock;
  productName: string;
  secureCookies: boolean;
  wake: () => void;
  /** Offer "Sign in with Microsoft" beside the password. */
  microsoftSignIn: boolean;
}

const NAV = [
  { href: '/admin', label: 'Subscriptions' },
  { href: '/admin/jobs', label: 'Jobs' },
  { href: '/admin/drift', label: 'Drift repairs' },
];

type Query = { q?: string; status?: string; planId?: string; page?: string; notice?: string; error?: string; next?: string };
type Req = FastifyRequest<{ Querystring: Query; Params: { id: string }; Body: Record<string, string> | undefined }>;

const ChangeBody = Type.Object({
  planId: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
});

export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { store, fulfillment, auth } = deps;
  const now = () => deps.clock.now().toISOString();
  const planName = (offerId: string, planId: string) => deps.plans.nameOf(offerId, planId);
  const show = (reply: FastifyReply, request: Req, title: string, body: SafeHtml, options: { status?: number; refreshSeconds?: number } = {}) =>
    reply
      .status(options.status ?? 200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        page(
          {
            title,
            app: `${deps.productName} admin`,
            homeUrl: '/admin',
            nav: [...NAV, { href: '/admin/logout', label: 'Sign out' }],
            notice: text(request.query.notice),
            error: text(request.query.error),
            refreshSeconds: options.refreshSeconds,
          },
          body,
        ),
      );

  // Sign-in guards every admin page and API; pages redirect to the form, the API answers 401.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/admin/login' || auth.isSignedIn(request)) return;
    if (path.startsWith('/api/')) return reply.status(401).send({ code: 'Unauthorized', message: 'Sign in at /admin/login first' });
    return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
  });

  app.get('/admin/login', async (request: Req, reply) =>
    reply.type('text/html; charset=utf-8').send(
      page(
        { title: 'Sign in', app: `${deps.productName} admin`, nav: [], error: request.query.error },
        html`<h1>Sign in</h1><section><form method="post" action="/admin/login"><input type="hidden" name="next" value="${safeNext(request.query.next)}">
<label for="password">Admin password</label><input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<p><button type="submit">Sign in</button></p></form>
${deps.microsoftSignIn ? html`<p><a id="microsoft-sign-in" href="/auth/login?for=admin&amp;next=${encodeURIComponent(safeNext(request.query.next))}">Sign in with Microsoft</a></p>` : ''}</section>`,
      ),
    ),
  );

  app.post('/admin/login', async (request: Req, reply) => {
    const ok = await auth.check(request.body?.password ?? '', request.ip);
    if (!ok) return reply.redirect(`/admin/login?error=${encodeURIComponent('Wrong password (or too many attempts: wait a minute).')}`, 303);
    auth.startSession(reply, deps.secureCookies);
    return reply.redirect(safeNext(request.body?.next), 303);
  });

  app.get('/admin/logout', async (_request, reply) => {
    auth.endSession(reply);
    return reply.redirect('/admin/login', 303);
  });

  // Subscriptions

  const search = (query: Query) => {
    const pageNumber = Math.max(1, Number(query.page ?? 1) || 1);
    return {
      search: query.q?.trim() || undefined,
      status: query.status || undefined,
      planId: query.planId || undefined,
      offset: (pageNumber - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
      pageNumber,
    };
  };

  app.get('/admin', async (request: Req, reply) => {
    const filter = search(request.query);
    const result = await store.findSubscriptions(filter);
    await deps.plans.learn(result.items);
    return show(reply, request, 'Subscriptions', subscriptionsPage(result.items, result.total, filter.pageNumber, request.query, planName));
  });

  app.get('/api/admin/subscriptions', async (request: Req) => {
    const filter = search(request.query);
    const result = await store.findSubscriptions(filter);
    return { total: result.total, offset: filter.offset, limit: filter.limit, subscriptions: result.items };
  });

  const timeline = async (id: string): Promise<SubscriptionTimeline> => {
    const subscription = await store.getSubscription(id);
    if (!subscription) throw new ApiError(404, 'EntityNotFound', `No subscription ${id} is known here`, 'subscriptionId');
    const [operations, audit, webhooks, events, jobs] = await Promise.all([
      store.operationsOf(id),
      store.auditOf({ subscriptionId: id, limit: 200 }),
      store.inboxOf(id),
      store.eventsOf(id, 50),
      store.jobs.list({ subscriptionId: id, limit: 50 }),
    ]);
    return { subscription, operations, audit, webhooks, events, jobs };
  };

  app.get('/admin/subscriptions/:id', async (request: Req, reply) => {
    const data = await timeline(request.params.id).catch((error: unknown) => {
      if (error instanceof ApiError) return undefined;
      throw error;
    });
    if (!data) return show(reply, request, 'Not found', html`<h1>No such subscription</h1>`, { status: 404 });
    const plans = data.subscription.status === 'Subscribed' ? await deps.plans.plansFor(data.subscription) : undefined;
    const refreshSeconds = pendingWork(data, planName).length > 0 ? 3 : undefined;
    return show(reply, request, data.subscription.name || data.subscription.id, subscriptionPage(data, plans, planName), { refreshSeconds });
  });

  app.get('/api/admin/subscriptions/:id', async (request: Req) => timeline(request.params.id));

  app.get('/api/admin/subscriptions/:id/plans', async (request: Req) => {
    const { subscription } = await timeline(request.params.id);
    const plans = await deps.plans.plansFor(subscription);
    if (!plans) throw new ApiError(503, 'MarketplaceUnavailable', "Microsoft's plan list could not be read; try again");
    return { plans };
  });

  const change = async (id: string, body: { planId?: string; quantity?: number; cancel?: boolean }, actor: string) => {
    const target = body.cancel
      ? 'cancel'
      : body.planId !== undefined
        ? { planId: body.planId }
        : body.quantity !== undefined
          ? { quantity: body.quantity }
          : undefined;
    if (!target) throw new ApiError(400, 'BadArgument', 'Send planId or quantity', 'body');
    try {
      return await fulfillment.changes.requestChange(id, target, actor);
    } catch (error) {
      if (error instanceof MarketplaceError && error.status >= 400 && error.status < 500)
        throw new ApiError(error.status === 404 ? 404 : 400, error.code, `The marketplace refused: ${error.message}`, error.target);
      throw error;
    }
  };

  app.post('/api/admin/subscriptions/:id/plan', { schema: { body: ChangeBody } }, async (request: Req, reply) => {
    const operationId = await change(request.params.id, { planId: request.body?.planId }, 'admin API');
    return reply.status(202).send({ operationId });
  });
  app.post('/api/admin/subscriptions/:id/quantity', { schema: { body: ChangeBody } }, async (request: Req, reply) => {
    const operationId = await change(request.params.id, { quantity: (request.body as { quantity?: number } | undefined)?.quantity }, 'admin API');
    return reply.status(202).send({ operationId });
  });
  app.post('/api/admin/subscriptions/:id/cancel', async (request: Req, reply) => {
    const operationId = await change(request.params.id, { cancel: true }, 'admin API');
    return reply.status(202).send({ operationId });
  });

  app.post('/admin/subscriptions/:id/change', async (request: Req, reply) => {
    const form = request.body ?? {};
    const back = `/admin/subscriptions/${encodeURIComponent(request.params.id)}`;
    try {
      const quantity = form.quantity ? Number(form.quantity) : undefined;
      if (quantity !== undefined && !(Number.isInteger(quantity) && quantity > 0))
        throw new ApiError(400, 'BadArgument', 'Seats must be a whole number', 'quantity');
      const operationId = await change(request.params.id, { planId: form.planId || undefined, quantity, cancel: form.cancel === 'yes' }, 'admin console');
      return reply.redirect(
        `${back}?notice=${encodeURIComponent(`Requested (operation ${operationId.slice(0, 8)}): it applies when Microsoft completes it.`)}`,
        303,
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return reply.redirect(`${back}?error=${encodeURIComponent(error.message)}`, 303);
    }
  });

  // Jobs and drift

  const jobsOf = (status: string | undefined) => store.jobs.list({ status: (status ? [status] : ['pending', 'running', 'dead']) as JobStatus[], limit: 200 });

  app.get('/admin/jobs', async (request: Req, reply) => {
    const jobs = await jobsOf(request.query.status);
    return show(reply, request, 'Jobs', jobsPage(jobs), { refreshSeconds: jobs.some((j) => j.status === 'running' || j.status === 'pending') ? 5 : undefined });
  });
  app.get('/api/admin/jobs', async (request: Req) => ({ jobs: await jobsOf(request.query.status) }));

  const retry = async (id: string) => {
    if (!(await store.jobs.retry(id, now()))) throw new ApiError(404, 'EntityNotFound', `No waiting or failed job ${id}`, 'jobId');
    deps.wake();
  };
  app.post('/api/admin/jobs/:id/retry', async (request: Req, reply) => {
    await retry(request.params.id);
    return reply.status(202).send({ retried: request.params.id });
  });
  app.post('/admin/jobs/:id/retry', async (request: Req, reply) => {
    await retry(request.params.id).catch(() => undefined);
    return reply.redirect(`/admin/jobs?notice=${encodeURIComponent('Job queued again.')}`, 303);
  });

  const reconcile = async () => {
    await store.jobs.enqueue({ kind: 'reconcile', payload: {}, runAt: now(), maxAttempts: 3 });
    deps.wake();
  };
  app.post('/api/admin/reconcile', async (_request, reply) => {
    await reconcile();
    return reply.status(202).send({ queued: true });
  });
  app.post('/admin/reconcile', async (_request, reply) => {
    await reconcile();
    return reply.redirect(`/admin/drift?notice=${encodeURIComponent('Reconciliation queued.')}`, 303);
  });

  app.get('/admin/drift', async (request: Req, reply) =>
    show(reply, request, 'Drift repairs', driftPage(await store.auditOf({ kind: 'drift-repair', limit: 200 }))),
  );
  app.get('/api/admin/drift', async () => ({ repairs: await store.auditOf({ kind: 'drift-repair', limit: 200 }) }));
}

/** A notice or error from the query: text, bounded, the last if sent twice. */
function text(value: unknown): string | undefined {
  const one = Array.isArray(value) ? value.at(-1) : value;
  return typeof one === 'string' ? one.slice(0, 500) : undefined;
}

function safeNext(next: string | undefined): string {
  return next?.startsWith('/admin') && !next.startsWith('//') ? next : '/admin';
}
