// End to end over real HTTP, both apps on port 0, on SQLite and PostgreSQL: every action from purchase to
// cancellation, the decision hook accepting and rejecting, publisher-initiated changes, entitlements.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChangeRequest } from '@saas-fulfillment/publisher';
import { testDialects } from '../helpers/databases.js';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';
import { until } from '../helpers/wait.js';

type Body = Record<string, unknown>;

for (const dialect of await testDialects()) {
  describe(`publisher flows on ${dialect}`, () => {
    let stack: TestStack;
    const rejectAbove = 50;
    const provisioned: string[] = [];
    const restored: string[] = [];

    before(async () => {
      stack = await startTestStack({
        dialect,
        hooks: {
          // The vendor's rules: no more than 50 seats on a self-service change.
          decide: async (change: ChangeRequest) => {
            if (change.action === 'ChangePlan' && change.planId === 'basic') return { accept: false, reason: 'downgrades go through support' };
            return change.quantity !== undefined && change.quantity > rejectAbove
              ? { accept: false, reason: `over ${rejectAbove} seats needs sales` }
              : { accept: true };
          },
          provision: async (subscription) => void provisioned.push(subscription.id),
          restore: async (subscription) => void restored.push(subscription.id),
        },
      });
    });
    after(() => stack.close());

    const local = (id: string) => stack.publisher.publisher.store.getSubscription(id);
    const remote = async (id: string) => (await stack.mp.api('GET', `/saas/subscriptions/${id}`)).body as Body;
    const customer = async (id: string, body: Body) => {
      const r = await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body });
      assert.equal(r.status, 202, r.text);
      await stack.settle();
      return (r.body as { operationId: string }).operationId;
    };

    /** Buys, opens the landing page as the browser would, confirms; returns the subscription id. */
    const buyAndActivate = async (purchase: Body = {}) => {
      const bought = await stack.mp.purchase(purchase);
      const buyer = new WebSession(stack.publisherUrl);
      const landing = await buyer.get(bought.landingPageUrl!);
      assert.equal(landing.status, 200);
      assert.match(landing.text, /Confirm your purchase/);
      const confirm = await buyer.post('/landing/activate', hiddenFields(landing.text, '/landing/activate'));
      assert.match((await buyer.get(confirm.location!)).text, /Your subscription is active/);
      return bought.subscriptionId;
    };

    it('purchase, landing page and activation: provisioned first, then active on both sides', async () => {
      const id = await buyAndActivate({ planId: 'pro', quantity: 5, name: 'Northwind' });
      assert.ok(provisioned.includes(id));
      assert.equal((await remote(id)).saasSubscriptionStatus, 'Subscribed');
      const mine = (await local(id))!;
      assert.equal(mine.status, 'Subscribed');
      assert.equal(mine.provisioning, 'done');
      const audit = await stack.publisher.publisher.store.auditOf({ subscriptionId: id, limit: 20 });
      assert.deepEqual(new Set(audit.map((a) => a.kind)), new Set(['change', 'provisioned', 'activated']));
    });

    it('shows a new purchase and "manage account" apart, and explains an expired link', async () => {
      const id = await buyAndActivate();
      const fresh = await stack.mp.http('POST', `/simulator/subscriptions/${id}/token`);
      const manage = await (await fetch((fresh.body as { landingPageUrl: string }).landingPageUrl)).text();
      assert.match(manage, /Manage your subscription/);
      assert.doesNotMatch(manage, /Activate subscription/);
      const expired = await fetch(`${stack.publisherUrl}/landing?token=${encodeURIComponent('no+such/token==')}`);
      assert.equal(expired.status, 400);
      assert.match(await expired.text(), /expired or is not valid[\s\S]*Configure account/);
    });

    it('shows a reseller purchase with purchaser and beneficiary apart', async () => {
      const bought = await stack.mp.purchase({ csp: true });
      const page = await (await fetch(bought.landingPageUrl!)).text();
      assert.match(page, /Bought through<\/dt><dd>a reseller/);
    });

    it('ChangePlan accepted: acknowledged Success inside the window, applied locally', async () => {
      const id = await buyAndActivate();
      const op = await customer(id, { action: 'ChangePlan', planId: 'enterprise' });
      assert.equal((await remote(id)).planId, 'enterprise');
      assert.equal((await local(id))!.planId, 'enterprise');
      const seen = await stack.publisher.publisher.store.getOperation(op);
      assert.equal(seen?.outcome, 'accepted');
    });

    it('ChangePlan rejected by the decision hook: PATCH Failure, the plan stays', async () => {
      const id = await buyAndActivate();
      const op = await customer(id, { action: 'ChangePlan', planId: 'basic' });
      // Under load the publisher's PATCH may be retried a moment later: wait for the operation to end.
      const status = await until(async () => {
        await stack.settle();
        const seen = ((await stack.mp.api('GET', `/saas/subscriptions/${id}/operations/${op}`)).body as Body).status;
        return seen === 'InProgress' ? undefined : seen;
      }, 'the operation to end');
      assert.equal(status, 'Failed');
      assert.equal((await remote(id)).planId, 'pro');
      assert.equal((await local(id))!.planId, 'pro');
      const seen = await stack.publisher.publisher.store.getOperation(op);
      assert.deepEqual([seen?.outcome, seen?.reason], ['rejected', 'downgrades go through support']);
    });

    it('ChangeQuantity rejected by the decision hook: PATCH Failure, nothing changes', async () => {
      const id = await buyAndActivate({ quantity: 5 });
      const op = await customer(id, { action: 'ChangeQuantity', quantity: 80 });
      const marketplaceOp = (await stack.mp.api('GET', `/saas/subscriptions/${id}/operations/${op}`)).body as Body;
      assert.equal(marketplaceOp.status, 'Failed');
      assert.equal((await remote(id)).quantity, 5);
      assert.equal((await local(id))!.quantity, 5);
      const seen = await stack.publisher.publisher.store.getOperation(op);
      assert.equal(seen?.outcome, 'rejected');
      assert.match(seen?.reason ?? '', /needs sales/);
    });

    it('ChangeQuantity accepted', async () => {
      const id = await buyAndActivate({ quantity: 5 });
      await customer(id, { action: 'ChangeQuantity', quantity: 12 });
      assert.equal((await local(id))!.quantity, 12);
    });

    it('Suspend, then Reinstate after access is restored', async () => {
      const id = await buyAndActivate();
      await customer(id, { action: 'Suspend' });
      assert.equal((await local(id))!.status, 'Suspended');
      const suspended = await fetch(`${stack.publisherUrl}/api/entitlements/${id}`, { headers: { authorization: `Bearer ${APP_API_KEY}` } });
      assert.equal(((await suspended.json()) as Body).access, 'limited');
      await customer(id, { action: 'Reinstate' });
      assert.ok(restored.includes(id));
      assert.equal((await remote(id)).saasSubscriptionStatus, 'Subscribed');
      assert.equal((await local(id))!.status, 'Subscribed');
    });

    it('Renew moves the term; Unsubscribe ends access but keeps the data', async () => {
      const id = await buyAndActivate();
      const before = (await local(id))!;
      await customer(id, { action: 'Renew' });
      assert.notEqual((await local(id))!.termEnd, before.termEnd);
      await customer(id, { action: 'Unsubscribe' });
      assert.equal((await local(id))!.status, 'Unsubscribed');
      const entitlement = (await (
        await fetch(`${stack.publisherUrl}/api/entitlements/${id}`, { headers: { authorization: `Bearer ${APP_API_KEY}` } })
      ).json()) as Body;
      assert.equal(entitlement.access, 'none');
      assert.ok(Date.parse(String(entitlement.dataRetainedUntil)) - Date.now() > 6 * 86_400_000);
    });

    it('publisher-initiated plan change, seat change and cancellation from the admin API', async () => {
      const id = await buyAndActivate({ quantity: 5 });
      const cookie = await stack.adminCookie();
      const post = (path: string, body?: Body) =>
        fetch(`${stack.publisherUrl}/api/admin/subscriptions/${id}/${path}`, {
          method: 'POST',
          headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
      const plan = await post('plan', { planId: 'enterprise' });
      assert.equal(plan.status, 202);
      assert.equal((await local(id))!.planId, 'pro', 'not applied before the operation succeeds');
      await stack.settle();
      assert.equal((await local(id))!.planId, 'enterprise');
      assert.equal((await post('quantity', { quantity: 30 })).status, 202);
      await stack.settle();
      assert.equal((await local(id))!.quantity, 30);
      const refused = await post('quantity', { quantity: 30 });
      assert.equal(refused.status, 400, 'the marketplace refuses the same quantity; the API says so');
      assert.equal((await post('cancel')).status, 202);
      await stack.settle();
      assert.equal((await local(id))!.status, 'Unsubscribed');
    });

    it('entitlements by beneficiary tenant, behind the application key', async () => {
      const tenantId = '77777777-7777-4777-8777-777777777777';
      const id = await buyAndActivate({ beneficiary: { tenantId } });
      const denied = await fetch(`${stack.publisherUrl}/api/entitlements?tenantId=${tenantId}`);
      assert.equal(denied.status, 401);
      const list = (await (
        await fetch(`${stack.publisherUrl}/api/entitlements?tenantId=${tenantId}`, { headers: { authorization: `Bearer ${APP_API_KEY}` } })
      ).json()) as { entitlements: Body[] };
      assert.deepEqual(
        list.entitlements.map((e) => [e.subscriptionId, e.access]),
        [[id, 'full']],
      );
    });
  });
}
