// An auto-activated purchase on the publisher's side: no landing visit; the Subscribe webhook is verified,
// stored, checked with Get Operation, and the subscription provisioned (retried until the hook succeeds)
// and recorded as active with its audit entry and app event. Both databases.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { LocalSubscription } from '@saas-fulfillment/publisher';
import { testDialects } from '../helpers/databases.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

const EVENT_SECRET = `whsec_${Buffer.from('auto-activation-test-secret-0123').toString('base64')}`;

for (const dialect of await testDialects()) {
  describe(`auto-activated purchase on ${dialect}`, () => {
    let stack: TestStack;
    let events: Server;
    const appEvents: { type: string; subscriptionId: string }[] = [];
    const provisioned: LocalSubscription[] = [];
    let failuresLeft = 0;

    before(async () => {
      events = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          const event = JSON.parse(body) as { type: string; data: { subscriptionId: string } };
          appEvents.push({ type: event.type, subscriptionId: event.data.subscriptionId });
          response.end();
        });
      }).listen(0, '127.0.0.1');
      await new Promise((resolve) => events.once('listening', resolve));
      const port = (events.address() as { port: number }).port;
      stack = await startTestStack({
        dialect,
        hooks: {
          provision: async (subscription) => {
            if (failuresLeft > 0) {
              failuresLeft--;
              throw new Error('tenant database not ready');
            }
            provisioned.push(subscription);
          },
        },
        publisher: { events: { url: `http://127.0.0.1:${port}/events`, secret: EVENT_SECRET } },
      });
    });
    after(async () => {
      await stack.close();
      events.close();
    });

    const store = () => stack.publisher.publisher.store;
    const waitFor = <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> =>
      until(async () => {
        await stack.settle();
        return probe();
      }, what);

    it('provisions and records it as active from the Subscribe webhook alone, with no landing visit', async () => {
      const bought = await stack.mp.purchase({ planId: 'instant', quantity: undefined, name: 'Tailspin' });
      const local = await waitFor(async () => {
        const found = await store().getSubscription(bought.subscriptionId);
        return found?.provisioning === 'done' ? found : undefined;
      }, 'provisioning');
      assert.equal(local.status, 'Subscribed');
      assert.equal(local.planId, 'instant');
      assert.ok(local.activatedAt, 'the activation time is recorded');
      assert.equal(provisioned.filter((s) => s.id === bought.subscriptionId).length, 1, 'the provisioning hook ran once');

      const inbox = await store().inboxOf(bought.subscriptionId);
      assert.deepEqual(
        inbox.map((w) => w.action),
        ['Subscribe'],
        'the webhook went through the durable inbox',
      );
      const operations = await store().operationsOf(bought.subscriptionId);
      assert.deepEqual(
        operations.map((o) => [o.action, o.marketplaceStatus, o.outcome]),
        [['Subscribe', 'Succeeded', 'applied']],
        'checked with Get Operation and never PATCHed',
      );
      const audit = await store().auditOf({ subscriptionId: bought.subscriptionId, limit: 20 });
      const activated = audit.find((a) => a.kind === 'activated');
      assert.ok(activated, 'an audit entry records the activation');
      assert.match(activated.cause, /webhook Subscribe/);
      await waitFor(
        async () => (appEvents.some((e) => e.subscriptionId === bought.subscriptionId && e.type === 'subscription.activated') ? true : undefined),
        'the app event',
      );
    });

    it('retries provisioning until the hook succeeds, showing the failure meanwhile', async () => {
      failuresLeft = 2;
      const bought = await stack.mp.purchase({ planId: 'instant', quantity: undefined });
      const failed = await waitFor(async () => {
        const found = await store().getSubscription(bought.subscriptionId);
        return found?.provisioning === 'failed' ? found : undefined;
      }, 'the first failure');
      assert.equal(failed.provisioningError, 'tenant database not ready');
      assert.equal(failed.status, 'Subscribed', "Microsoft's state is recorded all the same");
      const done = await waitFor(async () => {
        const found = await store().getSubscription(bought.subscriptionId);
        return found?.provisioning === 'done' ? found : undefined;
      }, 'provisioning after retries');
      assert.equal(done.provisioningError, undefined);
      assert.equal(failuresLeft, 0);
    });

    it('shows "manage account" on the landing page for it', async () => {
      const bought = await stack.mp.purchase({ planId: 'instant', quantity: undefined });
      await waitFor(async () => ((await store().getSubscription(bought.subscriptionId))?.provisioning === 'done' ? true : undefined), 'provisioning');
      const page = await (await fetch(bought.landingPageUrl)).text();
      assert.match(page, /Manage your subscription/);
      assert.doesNotMatch(page, /Activate subscription/);
    });

    it('provisions an active subscription that reconciliation finds, when its Subscribe webhook was lost', async () => {
      await stack.mp.http('PUT', '/simulator/inbox/contoso', { body: { answer: 'ok', for: 'every' } });
      await stack.mp.http('PUT', '/simulator/publishers/contoso', { body: { webhookUrl: `${stack.mp.url}/inbox/contoso` } });
      try {
        const bought = await stack.mp.purchase({ planId: 'instant', quantity: undefined });
        await stack.mp.app.marketplace.worker.drain();
        assert.equal(await store().getSubscription(bought.subscriptionId), undefined, 'the publisher never heard of it');
        await stack.publisher.publisher.fulfillment.projection.reconcile();
        const local = await waitFor(async () => {
          const found = await store().getSubscription(bought.subscriptionId);
          return found?.provisioning === 'done' ? found : undefined;
        }, 'provisioning after reconciliation');
        assert.equal(local.status, 'Subscribed');
        assert.ok(provisioned.some((s) => s.id === bought.subscriptionId));
      } finally {
        await stack.mp.http('PUT', '/simulator/publishers/contoso', { body: { webhookUrl: null } });
      }
    });
  });
}
