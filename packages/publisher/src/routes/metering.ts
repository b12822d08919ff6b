// The console's metering: the usage page with its alerts and "send now", the reconciliation with
// Microsoft's record, and the same as JSON under /api/admin/metering, all behind the console's sign-in.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { StringEnum } from '@saas-fulfillment/contract';
import { act, guardForms, refuseCrossOrigin, requireJsonBodies, withQuery, type FormGuardOptions, type OwnOrigin } from '@saas-fulfillment/web';
import { requireAdmin, type AdminAuth } from '../auth/admin.js';
import type { Metering } from '../metering/index.js';
import type { SubmissionReport } from '../metering/submitter.js';
import type { UsageHourStatus } from '../model.js';
import { consolePage } from '../views/layout.js';
import { meteringPage, reconciliationPage } from '../views/metering.js';

export interface MeteringPageDeps {
  auth: AdminAuth;
  metering: Metering;
  productName: string;
  forms: FormGuardOptions;
  ownOrigin: OwnOrigin;
  /** The day the reconciliation page opens on (YYYY-MM-DD, UTC). */
  today: () => string;
}

const HOUR_STATUSES: UsageHourStatus[] = ['open', 'included', 'ready', 'accepted', 'rejected', 'expired'];
const UsageQuery = Type.Object({
  subscription: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(StringEnum(HOUR_STATUSES)),
  notice: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 500 })),
});
const DayQuery = Type.Object({ day: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })) });
const HOURS_SHOWN = 500;

/** The hours shown (filtered), what needs attention, and the count of hours per status. */
async function overview(metering: Metering, query: { subscription?: string | undefined; status?: UsageHourStatus | undefined }) {
  const { usage } = metering.store;
  const [hours, alerts, summary] = await Promise.all([
    usage.hoursOf({ subscriptionId: query.subscription, status: query.status ? [query.status] : undefined, limit: HOURS_SHOWN }),
    metering.alerts(),
    usage.summary(),
  ]);
  return { hours, alerts, summary, names: await namesOf(metering, [...hours.map((h) => h.subscriptionId), ...alerts.map((a) => a.hour.subscriptionId)]) };
}

async function namesOf(metering: Metering, ids: readonly string[]): Promise<Map<string, string>> {
  const subscriptions = await metering.store.subscriptionsById([...new Set(ids)]);
  return new Map([...subscriptions].map(([id, s]) => [id, s.name]));
}

export async function meteringPages(instance: FastifyInstance, deps: MeteringPageDeps): Promise<void> {
  const { metering } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  requireAdmin(instance, deps.auth);
  await guardForms(instance, deps.forms);

  app.get('/admin/metering', { schema: { querystring: UsageQuery } }, async (request, reply) => {
    const { hours, alerts, summary, names } = await overview(metering, request.query);
    const body = meteringPage({ hours, alerts, summary: summary.byStatus, names }, request.query);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(consolePage(deps.productName, { title: 'Usage', ...request.query }, body));
  });

  app.post('/admin/metering/submit', async (_request, reply) =>
    act(reply, '/admin/metering', async () => withQuery('/admin/metering', { notice: describe(await metering.submit()) })),
  );

  app.get('/admin/metering/reconciliation', { schema: { querystring: DayQuery } }, async (request, reply) => {
    const day = request.query.day ?? deps.today();
    let unavailable: string | undefined;
    const lines = await metering.reconcile(day).catch((error: unknown) => {
      unavailable = `Microsoft's usage record could not be read: ${error instanceof Error ? error.message : String(error)}`;
      return [];
    });
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        consolePage(
          deps.productName,
          { title: 'Reconciliation' },
          reconciliationPage(
            day,
            lines,
            await namesOf(
              metering,
              lines.map((l) => l.subscriptionId),
            ),
            unavailable,
          ),
        ),
      );
  });
}

/** The same as JSON, for scripts and dashboards: cookie-authenticated, so same-origin JSON only. */
export async function meteringApi(instance: FastifyInstance, deps: Pick<MeteringPageDeps, 'auth' | 'metering' | 'ownOrigin' | 'today'>): Promise<void> {
  const { metering } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  requireAdmin(instance, deps.auth);
  refuseCrossOrigin(instance, deps.ownOrigin);
  requireJsonBodies(instance);
  app.get('/api/admin/metering', { schema: { querystring: UsageQuery } }, async (request) => {
    const { hours, alerts, summary } = await overview(metering, request.query);
    return { summary, alerts: alerts.map((a) => ({ kind: a.kind, deadline: a.deadline, ...a.hour })), hours };
  });
  app.post('/api/admin/metering/submit', async () => metering.submit());
  app.get('/api/admin/metering/reconciliation', { schema: { querystring: DayQuery } }, async (request) => ({
    lines: await metering.reconcile(request.query.day ?? deps.today()),
  }));
}

function describe(report: SubmissionReport): string {
  if (report.sent === 0 && report.priced === 0 && report.expired === 0) return 'Nothing to send: every closed hour is already billed.';
  const parts = [
    `${report.accepted + report.duplicates} hour(s) billed`,
    report.included ? `${report.included} covered by the plan` : '',
    report.rejected ? `${report.rejected} refused` : '',
    report.expired ? `${report.expired} expired` : '',
    report.failed ? `${report.failed} to retry` : '',
  ];
  return `${parts.filter(Boolean).join(', ')}.`;
}
