// The buy page and its form: a customer buys a plan.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TermUnit } from '@saas-fulfillment/contract';
import { act, wholeNumber, withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { BUY_FORM_SCRIPT, buyPage } from './views/buy.js';
import { PageQuery, sendPage, type SimulatorPageDeps } from './frame.js';

const Checkbox = Type.Optional(Type.Literal('on'));
const PurchaseForm = Type.Object({
  /** `offerId/planId`. */
  plan: Type.String({ maxLength: 120 }),
  quantity: Type.Optional(Type.String({ maxLength: 10 })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  termUnit: Type.Optional(TermUnit),
  isFreeTrial: Checkbox,
  isTest: Checkbox,
  autoRenew: Checkbox,
  csp: Checkbox,
  /** The customer: its tenant (a private plan is sold only to the tenants it names) and e-mail; made up when empty. */
  beneficiaryTenantId: Type.Optional(
    Type.String({ maxLength: 36, pattern: '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$' }),
  ),
  beneficiaryEmail: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'email', maxLength: 200 })])),
});

/** The buy page remembers the plan chosen when a purchase was refused. */
const BuyQuery = Type.Object({ ...PageQuery.properties, plan: Type.Optional(Type.String({ maxLength: 120 })) });

export async function buyPages(instance: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const { catalog, fulfillment, clock } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/', { schema: { querystring: BuyQuery } }, async (request, reply) =>
    sendPage(reply, clock, request.query, 'Buy', buyPage(catalog, request.query.plan)),
  );

  app.post('/ui/purchase', { schema: { body: PurchaseForm } }, async (request, reply) => {
    const form = request.body;
    const [offerId = '', planId = ''] = form.plan.split('/');
    const tenantId = form.beneficiaryTenantId?.toLowerCase() || undefined;
    const emailId = form.beneficiaryEmail || undefined;
    return act(reply, withQuery('/', { plan: form.plan }), async () => {
      const plan = catalog.plan(offerId, planId);
      const purchase = await fulfillment.purchases.purchase({
        offerId,
        planId,
        quantity: plan?.pricing === 'perSeat' ? wholeNumber(form.quantity, 'quantity') : undefined,
        name: form.name || undefined,
        termUnit: form.termUnit,
        isFreeTrial: form.isFreeTrial === 'on',
        isTest: form.isTest === 'on',
        autoRenew: form.autoRenew === 'on',
        csp: form.csp === 'on',
        ...(tenantId || emailId ? { beneficiary: { ...(tenantId ? { tenantId } : {}), ...(emailId ? { emailId } : {}) } } : {}),
      });
      const notice = plan?.autoActivate
        ? 'Purchased. This plan is activated automatically: the publisher was sent a Subscribe webhook.'
        : 'Purchased. Open the landing page to configure the account.';
      return withQuery(`/subscriptions/${purchase.subscriptionId}`, { notice, token: purchase.token });
    });
  });

  app.get('/assets/simulator.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(BUY_FORM_SCRIPT),
  );
}
