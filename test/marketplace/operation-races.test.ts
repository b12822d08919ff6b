// Writers of one operation that meet: the publisher's PATCH against the emulator's own bookkeeping (the
// delivery settling, the acknowledgement window closing), on both dialects. Each pair runs at once, many
// times; whichever lands first, the operation and the subscription must end consistent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../helpers/databases.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

const ROUNDS = 25;

for (const dialect of await testDialects()) {
  describe(`operation races on ${dialect}`, () => {
    let mp: TestMarketplace;
    let token: string;

    before(async () => {
      // The webhook goes nowhere and is not retried within the test: only the test settles deliveries.
      mp = await startTestMarketplace({
        dialect,
        publisher: { webhookUrl: 'http://127.0.0.1:9/webhook' },
        settings: { webhook: { maxAttempts: 20, baseDelayMs: 600_000, maxDelayMs: 600_000, timeoutMs: 200 } },
      });
      token = await mp.token();
    });
    after(() => mp.close());

    /** A subscription on pro with a customer's ChangePlan to enterprise waiting on the publisher. */
    const pendingChange = async () => {
      const id = await mp.subscribe({ planId: 'pro' });
      const started = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangePlan', planId: 'enterprise' } });
      assert.equal(started.status, 202, started.text);
      const operationId = (started.body as { operationId: string }).operationId;
      const [delivery] = await mp.store.listDeliveries({ operationId, limit: 1 });
      assert.ok(delivery, 'the change queued its webhook');
      return { id, operationId, delivery };
    };
    const patch = (id: string, operationId: string, status: 'Success' | 'Failure') =>
      mp.api('PATCH', `/saas/subscriptions/${id}/operations/${operationId}`, { token, body: { status } });

    it('a Failure the publisher sends while the delivery settles stays Failed (the window never reopens it)', async () => {
      const { operations } = mp.app.marketplace.fulfillment;
      for (let round = 0; round < ROUNDS; round++) {
        const { id, operationId, delivery } = await pendingChange();
        const [answer] = await Promise.all([patch(id, operationId, 'Failure'), operations.webhookSettled(delivery, 'Delivered')]);
        assert.equal(answer.status, 200, answer.text);
        const operation = await mp.store.getOperation(operationId);
        assert.deepEqual([operation?.status, operation?.completesAt], ['Failed', undefined], `round ${round}`);
        assert.equal((await mp.store.getSubscription(id))?.planId, 'pro');
      }
    });

    it('a Failure that meets the window closing: either wins, and the plan agrees with the operation', async () => {
      const { operations } = mp.app.marketplace.fulfillment;
      for (let round = 0; round < ROUNDS; round++) {
        const { id, operationId } = await pendingChange();
        const [answer] = await Promise.all([patch(id, operationId, 'Failure'), operations.completeDue(operationId)]);
        const operation = await mp.store.getOperation(operationId);
        const planId = (await mp.store.getSubscription(id))?.planId;
        if (answer.status === 200) assert.deepEqual([operation?.status, planId], ['Failed', 'pro'], `round ${round}`);
        else assert.deepEqual([answer.status, operation?.status, planId], [409, 'Succeeded', 'enterprise'], `round ${round}: ${answer.text}`);
      }
    });
  });
}
