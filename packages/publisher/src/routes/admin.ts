// The admin console as JSON under /api/admin, behind the same sign-in: subscriptions, a timeline, the
// plans Microsoft offers, publisher-initiated changes, jobs, reconciliation and drift repairs.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorBody, StringEnum, SubscriptionPlans } from '@saas-fulfillment/contract';
import type { FastifyInstance } from 'fastify';
import { answers, refuseCrossOrigin, requireJsonBodies, type OwnOrigin } from '@saas-fulfillment/web';
import { JobRecord } from '../model/jobs.js';
import { AuditEntry, LocalSubscription, SubscriptionTimeline } from '../model/subscription.js';
import Type from 'typebox';
import { requireAdmin, type AdminAuth } from '../auth/admin.js';
import type { AdminConsole } from '../console.js';
import type { PlanDirectory } from '../fulfillment/plans.js';
import { PublisherErrors as E } from '../errors.js';

export interface AdminApiDeps {
  auth: AdminAuth;
  console: AdminConsole;
  plans: PlanDirectory;
  ownOrigin: OwnOrigin;
}

/** What the console's lists read from the query (search, filters, page) and what a form left there. */
export const ConsoleQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(Type.String({ maxLength: 40 })),
  planId: Type.Optional(Type.String({ maxLength: 50 })),
  page: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
  notice: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 500 })),
  next: Type.Optional(Type.String({ maxLength: 500 })),
});
export const JobsQuery = Type.Object({ ...ConsoleQuery.properties, status: Type.Optional(StringEnum(['pending', 'running', 'done', 'dead'])) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const PlanBody = Type.Object({ planId: Type.String({ minLength: 1, maxLength: 50 }) });
const QuantityBody = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) });
/** A change asked of Microsoft: the operation that carries it out. */
const CHANGE_ANSWERS = answers({ 202: Type.Object({ operationId: Type.String() }) });
/** A page of the subscriptions a search finds. */
const SubscriptionSearchResult = Type.Object({
  total: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
  subscriptions: Type.Array(LocalSubscription),
});

export async function adminApi(instance: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const { console } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  requireAdmin(instance, deps.auth);
  // Cookie-authenticated: a page on another origin must not be able to post here.
  refuseCrossOrigin(instance, deps.ownOrigin);
  requireJsonBodies(instance);

  app.get('/api/admin/subscriptions', { schema: { querystring: ConsoleQuery, response: answers({ 200: SubscriptionSearchResult }) } }, async (request) => {
    const result = await console.findSubscriptions(request.query);
    return { total: result.total, offset: result.offset, limit: result.limit, subscriptions: result.items };
  });

  app.get('/api/admin/subscriptions/:id', { schema: { params: IdParams, response: answers({ 200: SubscriptionTimeline }) } }, async (request) =>
    console.timeline(request.params.id),
  );

  app.get(
    '/api/admin/subscriptions/:id/plans',
    { schema: { params: IdParams, response: answers({ 200: SubscriptionPlans, 503: ErrorBody }) } },
    async (request) => {
      const { subscription } = await console.timeline(request.params.id);
      const plans = await deps.plans.plansFor(subscription);
      if (!plans) throw E.plansUnavailable();
      return { plans };
    },
  );

  app.post('/api/admin/subscriptions/:id/plan', { schema: { params: IdParams, body: PlanBody, response: CHANGE_ANSWERS } }, async (request, reply) =>
    reply.status(202).send({ operationId: await console.requestChange(request.params.id, { planId: request.body.planId }, request.admin) }),
  );
  app.post('/api/admin/subscriptions/:id/quantity', { schema: { params: IdParams, body: QuantityBody, response: CHANGE_ANSWERS } }, async (request, reply) =>
    reply.status(202).send({ operationId: await console.requestChange(request.params.id, { quantity: request.body.quantity }, request.admin) }),
  );
  app.post('/api/admin/subscriptions/:id/cancel', { schema: { params: IdParams, response: CHANGE_ANSWERS } }, async (request, reply) =>
    reply.status(202).send({ operationId: await console.requestChange(request.params.id, 'cancel', request.admin) }),
  );

  app.get(
    '/api/admin/jobs',
    { schema: { querystring: JobsQuery, response: answers({ 200: Type.Object({ jobs: Type.Array(JobRecord) }) }) } },
    async (request) => ({ jobs: await console.jobs(request.query.status) }),
  );
  app.post(
    '/api/admin/jobs/:id/retry',
    { schema: { params: IdParams, response: answers({ 202: Type.Object({ retried: Type.String() }) }) } },
    async (request, reply) => {
      await console.retryJob(request.params.id);
      return reply.status(202).send({ retried: request.params.id });
    },
  );

  app.post('/api/admin/reconcile', { schema: { response: answers({ 202: Type.Object({ queued: Type.Boolean() }) }) } }, async (_request, reply) => {
    await console.reconcileNow();
    return reply.status(202).send({ queued: true });
  });
  app.get('/api/admin/drift', { schema: { response: answers({ 200: Type.Object({ repairs: Type.Array(AuditEntry) }) }) } }, async () => ({
    repairs: await console.driftRepairs(),
  }));
}
