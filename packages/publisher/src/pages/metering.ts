// The console's metering pages: usage with its alerts and "send now", and the reconciliation with
// Microsoft's record, behind the console's sign-in.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { act, guardForms, withQuery, type FormGuardOptions } from '@saas-fulfillment/web';
import { requireAdmin, type AdminAuth } from '../auth/admin.js';
import type { Metering } from '../metering/index.js';
import type { SubmissionReport } from '../model/metering.js';
import { DayQuery, HOURS_SHOWN, UsageQuery } from '../routes/metering.js';
import { consolePage } from './views/layout.js';
import { meteringPage, reconciliationPage } from './views/metering.js';

export interface MeteringPageDeps {
  auth: AdminAuth;
  metering: Metering;
  productName: string;
  forms: FormGuardOptions;
  /** The day the reconciliation page opens on (YYYY-MM-DD, UTC). */
  today: () => string;
}

export async function meteringPages(instance: FastifyInstance, deps: MeteringPageDeps): Promise<void> {
  const { metering } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  requireAdmin(instance, deps.auth);
  await guardForms(instance, deps.forms);

  app.get('/admin/metering', { schema: { querystring: UsageQuery } }, async (request, reply) => {
    const { hours, alerts, summary } = await metering.overview(request.query, HOURS_SHOWN);
    const labels = await metering.labelsOf([...hours.map((h) => h.subscriptionId), ...alerts.map((a) => a.hour.subscriptionId)]);
    const body = meteringPage({ hours, alerts, summary: summary.byStatus, labels }, request.query);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(consolePage(deps.productName, { title: 'Usage', ...request.query }, body));
  });

  app.post('/admin/metering/submit', async (_request, reply) =>
    act(reply, '/admin/metering', async () => withQuery('/admin/metering', { notice: describe(await metering.submit()) })),
  );

  app.get('/admin/metering/reconciliation', { schema: { querystring: DayQuery } }, async (request, reply) => {
    const today = deps.today();
    const day = request.query.day ?? today;
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
          reconciliationPage({ day, today }, lines, await metering.labelsOf(lines.map((l) => l.subscriptionId)), unavailable),
        ),
      );
  });
}

function describe(report: SubmissionReport): string {
  // Said of this pass only: hours refused or expired before stay listed under Needs attention.
  if (report.sent === 0 && report.priced === 0 && report.expired === 0) return 'Nothing new to send: no closed hour was waiting.';
  const parts = [
    `${report.accepted + report.duplicates} hour(s) billed`,
    report.included ? `${report.included} covered by the plan` : '',
    report.rejected ? `${report.rejected} refused` : '',
    report.expired ? `${report.expired} expired` : '',
    report.failed ? `${report.failed} to retry` : '',
  ];
  return `${parts.filter(Boolean).join(', ')}.`;
}
