// The status-code table of reference §4, one test per row, over real HTTP; every answer is checked
// against the official OpenAPI file by the harness.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../helpers/databases.js';
import { catalogWithOtherPublisher, otherPublisherToken, startTestMarketplace, TestClock, type TestMarketplace } from '../helpers/marketplace.js';

const catalog = catalogWithOtherPublisher();

type Body = Record<string, unknown>;
const NOBODY = '00000000-0000-4000-8000-000000000000';

for (const dialect of await testDialects())
  describe(`fulfillment API status codes on ${dialect}`, () => {
    let mp: TestMarketplace;
    let clock: TestClock;
    let otherToken: string;

    before(async () => {
      clock = new TestClock('2026-03-01T00:00:00.000Z');
      mp = await startTestMarketplace({ dialect, catalog, clock, settings: { partnerOperationDelayMs: 1000 } });
      otherToken = await otherPublisherToken(mp);
    });
    after(() => mp.close());

    /** Lets Microsoft's side finish what is due: a publisher's PATCH or DELETE completes after a second. */
    const settle = () => {
      clock.advance(1000);
      return mp.app.marketplace.worker.drain();
    };
    const getSubscription = async (id: string) => (await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body;
    const suspend = async (id: string) => {
      const r = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } });
      assert.equal(r.status, 202, r.text);
    };
    const cancel = async (id: string) => {
      assert.equal((await mp.api('DELETE', `/saas/subscriptions/${id}`)).status, 202);
      await settle();
    };

    describe('common rules', () => {
      it('answers 400 ApiVersionUnspecified without api-version', async () => {
        const r = await mp.api('GET', `/saas/subscriptions/${NOBODY}`, { apiVersion: null });
        assert.equal(r.status, 400);
        assert.deepEqual(r.body, { code: 'ApiVersionUnspecified', message: 'An API version is required, but was not specified.', target: 'api-version' });
      });

      it('answers 400 UnsupportedApiVersion for another api-version', async () => {
        const r = await mp.api('GET', `/saas/subscriptions/${NOBODY}`, { apiVersion: '2022-01-01' });
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).code, 'UnsupportedApiVersion');
      });

      it('echoes x-ms-requestid and x-ms-correlationid, and makes them when absent', async () => {
        const sent = await mp.api('GET', '/saas/subscriptions', { headers: { 'x-ms-requestid': 'req-1', 'x-ms-correlationid': 'corr-1' } });
        assert.equal(sent.headers.get('x-ms-requestid'), 'req-1');
        assert.equal(sent.headers.get('x-ms-correlationid'), 'corr-1');
        const made = await mp.api('GET', '/saas/subscriptions');
        assert.match(made.headers.get('x-ms-requestid') ?? '', /^[0-9a-f-]{36}$/);
        assert.match(made.headers.get('x-ms-correlationid') ?? '', /^[0-9a-f-]{36}$/);
        const denied = await mp.api('GET', '/saas/subscriptions', { token: null, headers: { 'x-ms-requestid': 'req-2' } });
        assert.equal(denied.headers.get('x-ms-requestid'), 'req-2');
      });

      it('sends JSON with nosniff and a policy that lets nothing run; pages get the full policy', async () => {
        const json = await mp.api('GET', '/saas/subscriptions');
        assert.equal(json.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(json.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
        const page = await mp.http('GET', '/subscriptions');
        assert.match(page.headers.get('content-security-policy') ?? '', /style-src 'sha256-[^']+'.*form-action 'self'/);
      });

      it('answers 403, not 401, without a bearer token', async () => {
        const r = await mp.api('GET', '/saas/subscriptions', { token: null });
        assert.equal(r.status, 403);
        assert.match(String((r.body as Body).message), /Bearer access token/);
      });
    });

    describe('S1 resolve', () => {
      it('200: resolves a landing token to the subscription', async () => {
        const bought = await mp.purchase({ planId: 'pro', quantity: 7, name: 'Resolve me' });
        const r = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': bought.token } });
        assert.equal(r.status, 200);
        const body = r.body as Body & { subscription: Body };
        assert.equal(body.id, bought.subscriptionId);
        assert.equal(body.subscriptionName, 'Resolve me');
        assert.equal(body.planId, 'pro');
        assert.equal(body.quantity, 7);
        assert.equal(body.subscription.saasSubscriptionStatus, 'PendingFulfillmentStart');
      });

      it('200: accepts the bodiless POST with Content-Type application/json that Microsoft samples send', async () => {
        const bought = await mp.purchase();
        const r = await mp.api('POST', '/saas/subscriptions/resolve', {
          rawBody: '',
          headers: { 'x-ms-marketplace-token': bought.token, 'content-type': 'application/json' },
        });
        assert.equal(r.status, 200);
      });

      it('400: the x-ms-marketplace-token header is missing', async () => {
        const r = await mp.api('POST', '/saas/subscriptions/resolve');
        assert.equal(r.status, 400);
        assert.deepEqual(r.body, { code: 'HeaderNotPresent', message: 'Mandatory header missing', target: 'x-ms-marketplace-token' });
      });

      it('400: the token is unknown or was decoded wrongly (+ turned into a space)', async () => {
        const bought = await mp.purchase();
        const mangled = bought.token.replace(/\+/g, ' ');
        assert.notEqual(mangled, bought.token);
        const r = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': mangled } });
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).target, 'x-ms-marketplace-token');
      });

      it('400: the token has expired (after one hour)', async () => {
        const bought = await mp.purchase();
        clock.advance(61 * 60 * 1000);
        const r = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': bought.token } });
        assert.equal(r.status, 400);
        assert.match(String((r.body as Body).message), /expired/);
      });

      it("403: the token is for another publisher's offer", async () => {
        const bought = await mp.purchase();
        const r = await mp.api('POST', '/saas/subscriptions/resolve', { token: otherToken, headers: { 'x-ms-marketplace-token': bought.token } });
        assert.equal(r.status, 403);
      });

      it('resolves in every status, for "Manage account"', async () => {
        const id = await mp.subscribe();
        await suspend(id);
        const fresh = await mp.http('POST', `/simulator/subscriptions/${id}/token`);
        assert.equal(fresh.status, 201);
        const r = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': (fresh.body as Body).token as string } });
        assert.equal(r.status, 200);
        assert.equal((r.body as { subscription: Body }).subscription.saasSubscriptionStatus, 'Suspended');
      });
    });

    describe('S2 activate', () => {
      it('200 with an empty body; the subscription is Subscribed with term dates', async () => {
        const bought = await mp.purchase({ planId: 'pro', quantity: 3 });
        const r = await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId: 'pro', quantity: 3 } });
        assert.equal(r.status, 200);
        assert.equal(r.text, '');
        const s = await getSubscription(bought.subscriptionId);
        assert.equal(s.saasSubscriptionStatus, 'Subscribed');
        const term = s.term as Body;
        assert.equal(term.startDate, clock.now().toISOString());
        assert.ok(String(term.endDate) > String(term.startDate));
      });

      it('400: planId is missing', async () => {
        const bought = await mp.purchase();
        const r = await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { quantity: 5 } });
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).target, 'planId');
      });

      it('400: planId is not the purchased plan', async () => {
        const bought = await mp.purchase();
        const r = await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId: 'basic' } });
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).target, 'planId');
      });

      it('400: quantity is not the purchased quantity', async () => {
        const bought = await mp.purchase({ quantity: 5 });
        const r = await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId: 'pro', quantity: 6 } });
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).target, 'quantity');
      });

      it('400: the subscription is already Subscribed', async () => {
        const id = await mp.subscribe();
        const r = await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 'pro', quantity: 5 } });
        assert.equal(r.status, 400);
      });

      it('400: the subscription is Suspended', async () => {
        const id = await mp.subscribe();
        await suspend(id);
        const r = await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 'pro', quantity: 5 } });
        assert.equal(r.status, 400);
      });

      it('404: the subscription is Unsubscribed', async () => {
        const bought = await mp.purchase();
        await cancel(bought.subscriptionId);
        const r = await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId: 'pro', quantity: 5 } });
        assert.equal(r.status, 404);
      });

      it('404: the subscription does not exist', async () => {
        const r = await mp.api('POST', `/saas/subscriptions/${NOBODY}/activate`, { body: { planId: 'pro' } });
        assert.equal(r.status, 404);
        assert.deepEqual(r.body, { code: 'EntityNotFound', message: `Subscription ${NOBODY} not found`, target: 'subscriptionId' });
      });

      it("403: another publisher's subscription", async () => {
        const bought = await mp.purchase();
        const r = await mp.api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { token: otherToken, body: { planId: 'pro' } });
        assert.equal(r.status, 403);
      });
    });

    describe('S3 list and S4 get', () => {
      it("S3 200: lists only the calling publisher's subscriptions", async () => {
        const id = await mp.subscribe();
        const mine = (await mp.api('GET', '/saas/subscriptions')).body as { subscriptions: Body[] };
        assert.ok(mine.subscriptions.some((s) => s.id === id));
        const theirs = await mp.api('GET', '/saas/subscriptions/', { token: otherToken });
        assert.equal(theirs.status, 200);
        assert.deepEqual(theirs.body, { subscriptions: [] });
      });

      it('S3 403: without a valid token', async () => {
        assert.equal((await mp.api('GET', '/saas/subscriptions', { token: 'not-a-jwt' })).status, 403);
      });

      it('S4 200, 404 and 403', async () => {
        const id = await mp.subscribe({ planId: 'basic', quantity: undefined });
        const ok = await mp.api('GET', `/saas/subscriptions/${id}`);
        assert.equal(ok.status, 200);
        assert.equal((ok.body as Body).planId, 'basic');
        assert.equal('quantity' in (ok.body as Body), false, 'a flat plan has no quantity');
        assert.equal((await mp.api('GET', `/saas/subscriptions/${NOBODY}`)).status, 404);
        assert.equal((await mp.api('GET', `/saas/subscriptions/${id}`, { token: otherToken })).status, 403);
      });
    });

    describe('S5 listAvailablePlans', () => {
      it('200: the public plans, and the private plan only for its audience', async () => {
        const id = await mp.subscribe();
        const plans = ((await mp.api('GET', `/saas/subscriptions/${id}/listAvailablePlans`)).body as { plans: Body[] }).plans;
        assert.deepEqual(
          plans.map((p) => p.planId),
          ['basic', 'pro', 'enterprise', 'instant'],
        );
        const audience = await mp.subscribe({ planId: 'basic', quantity: undefined, beneficiary: { tenantId: '33333333-3333-4333-8333-333333333333' } });
        const forAudience = ((await mp.api('GET', `/saas/subscriptions/${audience}/listAvailablePlans`)).body as { plans: Body[] }).plans;
        assert.ok(forAudience.some((p) => p.planId === 'partner-special' && p.isPrivate === true));
      });

      it('200: filtered by planId', async () => {
        const id = await mp.subscribe();
        const r = await mp.api('GET', `/saas/subscriptions/${id}/listAvailablePlans`, { query: { planId: 'enterprise' } });
        const plans = (r.body as { plans: Body[] }).plans;
        assert.equal(plans.length, 1);
        assert.equal(plans[0]!.planId, 'enterprise');
        assert.equal(plans[0]!.isPricePerSeat, true);
        assert.equal(plans[0]!.minQuantity, 10);
      });

      it('404 and 403', async () => {
        assert.equal((await mp.api('GET', `/saas/subscriptions/${NOBODY}/listAvailablePlans`)).status, 404);
        const id = await mp.subscribe();
        assert.equal((await mp.api('GET', `/saas/subscriptions/${id}/listAvailablePlans`, { token: otherToken })).status, 403);
      });
    });

    describe('S6 PATCH and S7 DELETE', () => {
      it('S6 202 with Operation-Location; the change applies only when the operation succeeds', async () => {
        const id = await mp.subscribe();
        const r = await mp.api('PATCH', `/saas/subscriptions/${id}`, { body: { planId: 'enterprise' } });
        assert.equal(r.status, 202);
        const location = r.headers.get('operation-location') ?? '';
        assert.match(location, new RegExp(`^${mp.url}/api/saas/subscriptions/${id}/operations/[0-9a-f-]{36}\\?api-version=2018-08-31$`));
        assert.equal(r.headers.get('retry-after'), '5', 'production tells the caller when to poll');
        const operationPath = new URL(location).pathname.replace(/^\/api/, '');
        const pending = (await mp.api('GET', operationPath)).body as Body;
        assert.equal(pending.status, 'InProgress');
        assert.equal(pending.action, 'ChangePlan');
        assert.equal(pending.operationRequestSource, 'Partner');
        assert.equal((await getSubscription(id)).planId, 'pro', 'not applied before it succeeds');
        await settle();
        assert.equal(((await mp.api('GET', operationPath)).body as Body).status, 'Succeeded');
        const changed = await getSubscription(id);
        assert.equal(changed.planId, 'enterprise');
        assert.equal(changed.quantity, 10, "seats clamped into the new plan's limits");
      });

      const patchFails = (name: string, setup: () => Promise<string>, body: Body, target: string | undefined) =>
        it(`S6 400: ${name}`, async () => {
          const id = await setup();
          const r = await mp.api('PATCH', `/saas/subscriptions/${id}`, { body });
          assert.equal(r.status, 400, r.text);
          if (target) assert.equal((r.body as Body).target, target);
        });

      patchFails('the plan does not exist', () => mp.subscribe(), { planId: 'platinum' }, 'planId');
      patchFails('the plan is private to other tenants', () => mp.subscribe(), { planId: 'partner-special' }, 'planId');
      patchFails('the plan is the current one', () => mp.subscribe(), { planId: 'pro' }, 'planId');
      patchFails('quantity above the plan maximum', () => mp.subscribe(), { quantity: 101 }, 'quantity');
      patchFails('quantity equals the current one', () => mp.subscribe({ quantity: 5 }), { quantity: 5 }, 'quantity');
      patchFails('quantity on a flat plan', () => mp.subscribe({ planId: 'basic', quantity: undefined }), { quantity: 3 }, 'quantity');
      patchFails('both planId and quantity', () => mp.subscribe(), { planId: 'enterprise', quantity: 20 }, 'body');
      patchFails('neither planId nor quantity', () => mp.subscribe(), {}, 'body');
      patchFails('quantity is a string', () => mp.subscribe(), { quantity: '20' }, 'quantity');
      patchFails('the subscription is not Subscribed', async () => (await mp.purchase()).subscriptionId, { quantity: 9 }, 'update');
      patchFails('Update is not allowed (a CSP purchase)', () => mp.subscribe({ csp: true }), { quantity: 9 }, 'update');
      patchFails(
        'another operation is in progress',
        async () => {
          const id = await mp.subscribe();
          assert.equal((await mp.api('PATCH', `/saas/subscriptions/${id}`, { body: { quantity: 9 } })).status, 202);
          return id;
        },
        { quantity: 10 },
        'update',
      );

      it('S6 404 and 403', async () => {
        assert.equal((await mp.api('PATCH', `/saas/subscriptions/${NOBODY}`, { body: { quantity: 2 } })).status, 404);
        const id = await mp.subscribe();
        assert.equal((await mp.api('PATCH', `/saas/subscriptions/${id}`, { token: otherToken, body: { quantity: 2 } })).status, 403);
      });

      it('S7 202: the subscription ends Unsubscribed, still readable', async () => {
        const id = await mp.subscribe();
        const r = await mp.api('DELETE', `/saas/subscriptions/${id}`);
        assert.equal(r.status, 202);
        assert.ok(r.headers.get('operation-location'));
        assert.equal(r.headers.get('retry-after'), '5');
        await settle();
        assert.equal((await getSubscription(id)).saasSubscriptionStatus, 'Unsubscribed');
      });

      it('S7 400: Delete is not allowed (a CSP purchase)', async () => {
        const id = await mp.subscribe({ csp: true });
        const r = await mp.api('DELETE', `/saas/subscriptions/${id}`);
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).target, 'delete');
      });

      it('S7 404 and 403', async () => {
        assert.equal((await mp.api('DELETE', `/saas/subscriptions/${NOBODY}`)).status, 404);
        const id = await mp.subscribe();
        assert.equal((await mp.api('DELETE', `/saas/subscriptions/${id}`, { token: otherToken })).status, 403);
      });
    });

    describe('operations O1, O2, O3', () => {
      const customerChange = async (id: string, body: Body) => {
        const r = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body });
        assert.equal(r.status, 202, r.text);
        return (r.body as { operationId: string }).operationId;
      };

      it('O1 200: lists only operations waiting on the publisher', async () => {
        const id = await mp.subscribe();
        const changeId = await customerChange(id, { action: 'ChangeQuantity', quantity: 8 });
        const list = (await mp.api('GET', `/saas/subscriptions/${id}/operations`)).body as { operations: Body[] };
        assert.deepEqual(
          list.operations.map((o) => [o.id, o.status, o.quantity]),
          [[changeId, 'InProgress', 8]],
        );
      });

      it('O1 404 and 403', async () => {
        assert.equal((await mp.api('GET', `/saas/subscriptions/${NOBODY}/operations`)).status, 404);
        const id = await mp.subscribe();
        assert.equal((await mp.api('GET', `/saas/subscriptions/${id}/operations`, { token: otherToken })).status, 403);
      });

      it('O2 200, 404 (unknown operation, or one of another subscription) and 403', async () => {
        const id = await mp.subscribe();
        const other = await mp.subscribe();
        const opId = await customerChange(id, { action: 'ChangePlan', planId: 'basic' });
        const ok = await mp.api('GET', `/saas/subscriptions/${id}/operations/${opId}`);
        assert.equal(ok.status, 200);
        assert.equal((ok.body as Body).action, 'ChangePlan');
        assert.equal((await mp.api('GET', `/saas/subscriptions/${id}/operations/${NOBODY}`)).status, 404);
        assert.equal((await mp.api('GET', `/saas/subscriptions/${other}/operations/${opId}`)).status, 404);
        assert.equal((await mp.api('GET', `/saas/subscriptions/${id}/operations/${opId}`, { token: otherToken })).status, 403);
      });

      it('O3 200 Success applies the change; Failure leaves the subscription as it was', async () => {
        const id = await mp.subscribe({ quantity: 5 });
        const accepted = await customerChange(id, { action: 'ChangeQuantity', quantity: 12 });
        const ok = await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${accepted}`, { body: { status: 'Success' } });
        assert.equal(ok.status, 200);
        assert.equal(ok.text, '');
        assert.equal((await getSubscription(id)).quantity, 12);

        const rejected = await customerChange(id, { action: 'ChangePlan', planId: 'enterprise' });
        assert.equal((await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${rejected}`, { body: { status: 'Failure' } })).status, 200);
        assert.equal((await getSubscription(id)).planId, 'pro');
        const op = (await mp.api('GET', `/saas/subscriptions/${id}/operations/${rejected}`)).body as Body;
        assert.equal(op.status, 'Failed');
      });

      it('O3 409: the operation is no longer in progress', async () => {
        const id = await mp.subscribe();
        const opId = await customerChange(id, { action: 'ChangeQuantity', quantity: 6 });
        await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${opId}`, { body: { status: 'Success' } });
        const again = await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${opId}`, { body: { status: 'Failure' } });
        assert.equal(again.status, 409);
        assert.equal((await getSubscription(id)).quantity, 6, 'the late Failure did not undo the change');
      });

      it('O3 400: a notify-only operation (Suspend) cannot be acknowledged', async () => {
        const id = await mp.subscribe();
        const opId = await customerChange(id, { action: 'Suspend' });
        const r = await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${opId}`, { body: { status: 'Success' } });
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).target, 'operationId');
      });

      it("O3 400: the publisher's own operation cannot be acknowledged", async () => {
        const id = await mp.subscribe();
        const patch = await mp.api('PATCH', `/saas/subscriptions/${id}`, { body: { quantity: 9 } });
        const opId = (patch.headers.get('operation-location') ?? '').split('/operations/')[1]!.split('?')[0]!;
        const r = await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${opId}`, { body: { status: 'Success' } });
        assert.equal(r.status, 400);
      });

      it('O3 400: status is not Success or Failure', async () => {
        const id = await mp.subscribe();
        const opId = await customerChange(id, { action: 'ChangeQuantity', quantity: 6 });
        const r = await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${opId}`, { body: { status: 'Maybe' } });
        assert.equal(r.status, 400);
        assert.equal((r.body as Body).target, 'status');
      });

      it('O3 404 and 403', async () => {
        const id = await mp.subscribe();
        assert.equal((await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${NOBODY}`, { body: { status: 'Success' } })).status, 404);
        const opId = await customerChange(id, { action: 'ChangeQuantity', quantity: 6 });
        assert.equal((await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${opId}`, { token: otherToken, body: { status: 'Success' } })).status, 403);
      });

      it('Reinstate waits for PATCH Success; Failure keeps the subscription Suspended', async () => {
        const id = await mp.subscribe();
        await suspend(id);
        const first = await customerChange(id, { action: 'Reinstate' });
        await settle();
        assert.equal((await getSubscription(id)).saasSubscriptionStatus, 'Suspended');
        await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${first}`, { body: { status: 'Failure' } });
        assert.equal((await getSubscription(id)).saasSubscriptionStatus, 'Suspended');
        const second = await customerChange(id, { action: 'Reinstate' });
        await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${second}`, { body: { status: 'Success' } });
        assert.equal((await getSubscription(id)).saasSubscriptionStatus, 'Subscribed');
      });
    });
  });
