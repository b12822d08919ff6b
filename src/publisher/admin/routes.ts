// The admin console (server-rendered, behind sign-in) and its JSON twin under /api/admin: subscriptions
// with search, filters and paging; one subscription's timeline; jobs with retry; drift repairs; and
// publisher-initiated changes (plan, seats, cancel).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ApiError } from '../../contract/errors.js';
import { MarketplaceError } from '../../client/errors.js';
import { badge, html, page, type SafeHtml } from '../../http/html.js';
import type { PublisherFulfillment } from '../fulfillment/service.js';
import { JOB } from '../fulfillment/service.js';
import type { AuditEntry, Job, JobStatus, LocalOperation, LocalSubscription, OutboundEvent, PublisherStore } from '../store/repository.js';
import type { Clock } from '../../clock.js';
import type { AdminAuth } from './auth.js';

export interface AdminDeps {
  auth: AdminAuth;
  store: PublisherStore;
  fulfillment: PublisherFulfillment;
  clock: Clock;
  productName: string;
  secureCookies: boolean;
  wake: () => void;
  /** Offer "Sign in with Microsoft" beside the password. */
  microsoftSignIn: boolean;
}

/** Everything known about one subscription, for its page and the JSON API. */
export interface SubscriptionTimeline {
  subscription: LocalSubscription;
  operations: LocalOperation[];
  audit: AuditEntry[];
  webhooks: Awaited<ReturnType<PublisherStore['inboxOf']>>;
  events: OutboundEvent[];
  jobs: Job[];
}

const PAGE = 25;
const NAV = [
  { href: '/admin', label: 'Subscriptions' },
  { href: '/admin/jobs', label: 'Jobs' },
  { href: '/admin/drift', label: 'Drift repairs' },
];

type Query = { q?: string; status?: string; planId?: string; page?: string; notice?: string; error?: string; next?: string };
type Req = FastifyRequest<{ Querystring: Query; Params: { id: string }; Body: Record<string, string> | undefined }>;

const ChangeBody = Type.Object({ planId: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) });

export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { store, fulfillment, auth } = deps;
  const now = () => deps.clock.now().toISOString();
  const show = (reply: FastifyReply, request: Req, title: string, body: SafeHtml, status = 200) =>
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page({ title, app: `${deps.productName} admin`, nav: [...NAV, { href: '/admin/logout', label: 'Sign out' }], notice: request.query.notice, error: request.query.error }, body));

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
    return { search: query.q?.trim() || undefined, status: query.status || undefined, planId: query.planId || undefined, offset: (pageNumber - 1) * PAGE, limit: PAGE, pageNumber };
  };

  app.get('/admin', async (request: Req, reply) => {
    const filter = search(request.query);
    const result = await store.findSubscriptions(filter);
    return show(reply, request, 'Subscriptions', subscriptionsPage(result.items, result.total, filter, request.query));
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
      store.listJobs({ subscriptionId: id, limit: 50 }),
    ]);
    return { subscription, operations, audit, webhooks, events, jobs };
  };

  app.get('/admin/subscriptions/:id', async (request: Req, reply) => {
    const data = await timeline(request.params.id).catch((error: unknown) => {
      if (error instanceof ApiError) return undefined;
      throw error;
    });
    if (!data) return show(reply, request, 'Not found', html`<h1>No such subscription</h1>`, 404);
    return show(reply, request, data.subscription.name, subscriptionPage(data));
  });

  app.get('/api/admin/subscriptions/:id', async (request: Req) => timeline(request.params.id));

  const change = async (id: string, body: { planId?: string; quantity?: number; cancel?: boolean }, actor: string) => {
    const target = body.cancel ? 'cancel' : body.planId !== undefined ? { planId: body.planId } : body.quantity !== undefined ? { quantity: body.quantity } : undefined;
    if (!target) throw new ApiError(400, 'BadArgument', 'Send planId or quantity', 'body');
    try {
      return await fulfillment.requestChange(id, target, actor);
    } catch (error) {
      if (error instanceof MarketplaceError && error.status >= 400 && error.status < 500) throw new ApiError(error.status === 404 ? 404 : 400, error.code, `The marketplace refused: ${error.message}`, error.target);
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
      if (quantity !== undefined && !(Number.isInteger(quantity) && quantity > 0)) throw new ApiError(400, 'BadArgument', 'Seats must be a whole number', 'quantity');
      const operationId = await change(request.params.id, { planId: form.planId || undefined, quantity, cancel: form.cancel === 'yes' }, 'admin console');
      return reply.redirect(`${back}?notice=${encodeURIComponent(`Requested; operation ${operationId}. The change applies when Microsoft completes it.`)}`, 303);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return reply.redirect(`${back}?error=${encodeURIComponent(error.message)}`, 303);
    }
  });

  // Jobs and drift

  const jobsOf = (status: string | undefined) => store.listJobs({ status: (status ? [status] : ['pending', 'running', 'dead']) as JobStatus[], limit: 200 });

  app.get('/admin/jobs', async (request: Req, reply) => show(reply, request, 'Jobs', jobsPage(await jobsOf(request.query.status))));
  app.get('/api/admin/jobs', async (request: Req) => ({ jobs: await jobsOf(request.query.status) }));

  const retry = async (id: string) => {
    if (!(await store.retryJob(id, now()))) throw new ApiError(404, 'EntityNotFound', `No waiting or failed job ${id}`, 'jobId');
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
    await store.enqueue({ kind: JOB.reconcile, payload: {}, runAt: now(), maxAttempts: 3 });
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

  app.get('/admin/drift', async (request: Req, reply) => show(reply, request, 'Drift repairs', driftPage(await store.auditOf({ kind: 'drift-repair', limit: 200 }))));
  app.get('/api/admin/drift', async () => ({ repairs: await store.auditOf({ kind: 'drift-repair', limit: 200 }) }));
}

function safeNext(next: string | undefined): string {
  return next && next.startsWith('/admin') && !next.startsWith('//') ? next : '/admin';
}

function subscriptionsPage(items: LocalSubscription[], total: number, filter: { pageNumber: number }, query: Query): SafeHtml {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const link = (p: number) => `/admin?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), ...(query.status ? { status: query.status } : {}), ...(query.planId ? { planId: query.planId } : {}), page: String(p) })}`;
  return html`<h1>Subscriptions <span class="muted">(${total})</span></h1>
<section><form class="inline" method="get" action="/admin"><input name="q" placeholder="id, name or e-mail" value="${query.q ?? ''}" aria-label="Search">
<select name="status" aria-label="Status"><option value="">any status</option>${['PendingFulfillmentStart', 'Subscribed', 'Suspended', 'Unsubscribed'].map((s) => html`<option ${query.status === s ? 'selected' : ''}>${s}</option>`)}</select>
<input name="planId" placeholder="plan" value="${query.planId ?? ''}" size="10" aria-label="Plan"><button type="submit">Filter</button></form></section>
<section><table><thead><tr><th>Subscription</th><th>Plan</th><th>Seats</th><th>Status</th><th>Beneficiary</th><th>Updated</th></tr></thead><tbody>
${items.length ? items.map((s) => html`<tr><td><a href="/admin/subscriptions/${s.id}">${s.name}</a><div class="mono muted">${s.id}</div></td><td>${s.planId}</td><td>${s.quantity ?? '—'}</td><td>${badge(s.status)}</td><td>${s.beneficiary.emailId ?? '—'}</td><td class="mono">${s.updated}</td></tr>`) : html`<tr><td colspan="6" class="muted">No subscriptions match.</td></tr>`}
</tbody></table>
<p>Page ${filter.pageNumber} of ${pages} ${filter.pageNumber > 1 ? html`<a href="${link(filter.pageNumber - 1)}">previous</a>` : ''} ${filter.pageNumber < pages ? html`<a href="${link(filter.pageNumber + 1)}">next</a>` : ''}</p></section>`;
}

function subscriptionPage(data: SubscriptionTimeline): SafeHtml {
  const s = data.subscription;
  const active = s.status === 'Subscribed';
  return html`<h1>${s.name} ${badge(s.status)}</h1>
<section><dl><dt>Subscription id</dt><dd class="mono">${s.id}</dd><dt>Offer / plan</dt><dd>${s.offerId} / <strong id="plan-id">${s.planId}</strong></dd>
<dt>Seats</dt><dd id="seats">${s.quantity ?? '—'}</dd><dt>Term</dt><dd>${s.termUnit ?? '—'} ${s.termStart ?? ''} → ${s.termEnd ?? ''}</dd>
<dt>Provisioning</dt><dd>${s.provisioning}${s.provisioningError ? ` (${s.provisioningError})` : ''}</dd>
<dt>Purchaser</dt><dd>${s.purchaser.emailId ?? '—'} <span class="mono muted">${s.purchaser.tenantId ?? ''}</span></dd>
<dt>Beneficiary</dt><dd>${s.beneficiary.emailId ?? '—'} <span class="mono muted">${s.beneficiary.tenantId ?? ''}</span></dd></dl></section>
${active ? html`<section><h2>Change (applies when Microsoft completes it)</h2>
<form class="inline" method="post" action="/admin/subscriptions/${s.id}/change"><input name="planId" placeholder="plan id" size="12" aria-label="New plan"><button class="secondary" type="submit">Change plan</button></form>
<form class="inline" method="post" action="/admin/subscriptions/${s.id}/change"><input name="quantity" type="number" min="1" placeholder="seats" aria-label="New seats"><button class="secondary" type="submit">Change seats</button></form>
<form class="inline" method="post" action="/admin/subscriptions/${s.id}/change"><input type="hidden" name="cancel" value="yes"><button class="danger" type="submit">Cancel subscription</button></form></section>` : ''}
<section><h2>Timeline</h2><table><thead><tr><th>When</th><th>What</th><th>Cause</th><th>Detail</th></tr></thead><tbody>
${data.audit.map((a) => html`<tr class="audit"><td class="mono">${a.at}</td><td>${a.kind}</td><td>${a.cause}</td><td>${a.detail}</td></tr>`)}</tbody></table></section>
<section><h2>Operations</h2><table><thead><tr><th>When</th><th>Action</th><th>Source</th><th>Marketplace</th><th>Our outcome</th><th>Reason</th></tr></thead><tbody>
${data.operations.map((o) => html`<tr><td class="mono">${o.timeStamp}</td><td>${o.action}</td><td>${o.source ?? '—'}</td><td>${badge(o.marketplaceStatus)}</td><td>${o.outcome}</td><td>${o.reason ?? ''}</td></tr>`)}</tbody></table></section>
<section><h2>Webhooks received</h2><table><thead><tr><th>Received</th><th>Action</th><th>Operation</th><th>Deliveries</th></tr></thead><tbody>
${data.webhooks.map((w) => html`<tr><td class="mono">${w.receivedAt}</td><td>${w.action}</td><td class="mono">${w.operationId}</td><td>${w.deliveries}</td></tr>`)}</tbody></table></section>
${data.events.length ? html`<section><h2>Events sent to the application</h2><table><tbody>${data.events.map((e) => html`<tr><td class="mono">${e.created}</td><td>${e.type}</td><td>${badge(e.status)}</td><td>${e.attempts} attempt(s)</td><td>${e.lastError ?? ''}</td></tr>`)}</tbody></table></section>` : ''}
<section><h2>Jobs</h2>${jobTable(data.jobs)}</section>`;
}

function jobTable(jobs: Job[]): SafeHtml {
  if (!jobs.length) return html`<p class="muted">None.</p>`;
  return html`<table><thead><tr><th>Kind</th><th>Status</th><th>Attempts</th><th>Next run</th><th>Last error</th><th></th></tr></thead><tbody>${jobs.map(
    (j) => html`<tr class="job"><td>${j.kind}</td><td>${badge(j.status === 'dead' ? 'Failed' : j.status === 'done' ? 'Succeeded' : 'Pending')} ${j.status}</td><td>${j.attempts}/${j.maxAttempts}</td><td class="mono">${j.status === 'pending' ? j.runAt : ''}</td><td>${j.lastError ?? ''}</td>
<td>${j.status === 'dead' || j.status === 'pending' ? html`<form method="post" action="/admin/jobs/${j.id}/retry"><button class="secondary" type="submit">Retry now</button></form>` : ''}</td></tr>`,
  )}</tbody></table>`;
}

function jobsPage(jobs: Job[]): SafeHtml {
  return html`<h1>Jobs waiting or failed</h1><section>${jobTable(jobs)}</section>`;
}

function driftPage(repairs: AuditEntry[]): SafeHtml {
  return html`<h1>Drift repairs</h1><section><form method="post" action="/admin/reconcile"><button type="submit">Reconcile now</button></form></section>
<section><table><thead><tr><th>When</th><th>Subscription</th><th>Repair</th></tr></thead><tbody>
${repairs.length ? repairs.map((r) => html`<tr><td class="mono">${r.at}</td><td><a class="mono" href="/admin/subscriptions/${r.subscriptionId}">${r.subscriptionId}</a></td><td>${r.detail}</td></tr>`) : html`<tr><td colspan="3" class="muted">No drift found so far.</td></tr>`}
</tbody></table></section>`;
}
