// The console's metering as JSON under /api/admin/metering, for scripts and dashboards: usage with its
// alerts, "send now", and the reconciliation with Microsoft's record, behind the console's sign-in.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { StringEnum } from '@saas-fulfillment/contract';
import { answers, refuseCrossOrigin, requireJsonBodies, type OwnOrigin } from '@saas-fulfillment/web';
import { requireAdmin, type AdminAuth } from '../auth/admin.js';
import type { Metering } from '../metering/index.js';
import { HOUR_STATUSES, MeteringAlertView, ReconciliationLine, SubmissionReport, UsageHour } from '../model/metering.js';

export interface MeteringApiDeps {
  auth: AdminAuth;
  metering: Metering;
  ownOrigin: OwnOrigin;
  /** The day the reconciliation opens on (YYYY-MM-DD, UTC). */
  today: () => string;
}

/** The hours to show: one subscription's, of one status; a form's notice or error for the page. */
export const UsageQuery = Type.Object({
  subscription: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(StringEnum(HOUR_STATUSES)),
  notice: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 500 })),
});
export const DayQuery = Type.Object({ day: Type.Optional(Type.String({ format: 'date', maxLength: 10 })) });
/** The most hours one answer lists. */
export const HOURS_SHOWN = 500;

/** Hours by status, the oldest unsent, what needs attention, and the hours asked for (newest first). */
const MeteringOverview = Type.Object({
  summary: Type.Object({ byStatus: Type.Record(Type.String(), Type.Integer()), oldestUnsent: Type.Optional(Type.String()) }),
  alerts: Type.Array(MeteringAlertView),
  hours: Type.Array(UsageHour),
});

/** The same as JSON, for scripts and dashboards: cookie-authenticated, so same-origin JSON only. */
export async function meteringApi(instance: FastifyInstance, deps: MeteringApiDeps): Promise<void> {
  const { metering } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  requireAdmin(instance, deps.auth);
  refuseCrossOrigin(instance, deps.ownOrigin);
  requireJsonBodies(instance);
  app.get('/api/admin/metering', { schema: { querystring: UsageQuery, response: answers({ 200: MeteringOverview }) } }, async (request) => {
    const { hours, alerts, summary } = await metering.overview(request.query, HOURS_SHOWN);
    return { summary, alerts: alerts.map((a) => ({ kind: a.kind, deadline: a.deadline, ...a.hour })), hours };
  });
  app.post('/api/admin/metering/submit', { schema: { response: answers({ 200: SubmissionReport }) } }, async () => metering.submit());
  app.get(
    '/api/admin/metering/reconciliation',
    { schema: { querystring: DayQuery, response: answers({ 200: Type.Object({ lines: Type.Array(ReconciliationLine) }) }) } },
    async (request) => ({
      lines: await metering.reconcile(request.query.day ?? deps.today()),
    }),
  );
}
