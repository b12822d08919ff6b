// Time rules driven by the clock: renewal at term end, cancellation without auto-renew, the 30-day
// suspension grace, the end of a free trial; and the simulator's clock endpoint that moves time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestMarketplace, TestClock, type TestMarketplace } from '../helpers/marketplace.js';

type Body = Record<string, unknown>;
const DAY = 86_400_000;

describe('time rules', () => {
  let mp: TestMarketplace;
  let clock: TestClock;

  before(async () => {
    clock = new TestClock('2026-01-31T12:00:00.000Z');
    mp = await startTestMarketplace({ clock });
  });
  after(() => mp.close());

  const run = () => mp.app.marketplace.worker.drain();
  const get = async (id: string) => (await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body & { term: Body };
  const operations = async (id: string) => (await mp.http('GET', `/simulator/subscriptions/${id}`)).body as { operations: Body[] };

  it('renews an auto-renewing monthly subscription at term end, calendar-aware', async () => {
    const id = await mp.subscribe({ termUnit: 'P1M' });
    const first = await get(id);
    assert.equal(first.term.endDate, '2026-02-28T12:00:00.000Z', 'Jan 31 + 1 month = Feb 28');
    clock.advance(28 * DAY);
    await run();
    const renewed = await get(id);
    assert.equal(renewed.saasSubscriptionStatus, 'Subscribed');
    assert.equal(renewed.term.startDate, '2026-02-28T12:00:00.000Z');
    assert.equal(renewed.term.endDate, '2026-03-28T12:00:00.000Z');
    assert.deepEqual(
      (await operations(id)).operations.map((o) => [o.action, o.status]),
      [['Renew', 'Succeeded']],
    );
  });

  it('cancels at term end when auto-renew is off', async () => {
    const id = await mp.subscribe({ termUnit: 'P1Y', autoRenew: false });
    clock.advance(366 * DAY);
    await run();
    assert.equal((await get(id)).saasSubscriptionStatus, 'Unsubscribed');
  });

  it('renews several terms when the clock jumps past them', async () => {
    const id = await mp.subscribe({ termUnit: 'P1M' });
    const start = Date.parse(String((await get(id)).term.startDate));
    const result = await mp.http('POST', '/simulator/clock', { body: { advanceBy: 'P95D' } });
    assert.equal(result.status, 200);
    const renewals = (await operations(id)).operations.filter((o) => o.action === 'Renew');
    assert.equal(renewals.length, 3);
    assert.ok(Date.parse(String((await get(id)).term.endDate)) > start + 95 * DAY);
  });

  it('unsubscribes a subscription left Suspended for 30 days, not sooner', async () => {
    const id = await mp.subscribe({ termUnit: 'P1Y' });
    await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } });
    clock.advance(29 * DAY);
    await run();
    assert.equal((await get(id)).saasSubscriptionStatus, 'Suspended');
    clock.advance(1 * DAY);
    await run();
    assert.equal((await get(id)).saasSubscriptionStatus, 'Unsubscribed');
  });

  it('ends a free trial after one month and starts the paid term', async () => {
    const id = await mp.subscribe({ planId: 'basic', quantity: undefined, isFreeTrial: true, termUnit: 'P1Y' });
    const trial = await get(id);
    assert.equal(trial.isFreeTrial, true);
    clock.advance(32 * DAY);
    await run();
    const paid = await get(id);
    assert.equal(paid.isFreeTrial, false);
    assert.equal(paid.saasSubscriptionStatus, 'Subscribed');
    assert.equal(paid.term.startDate, trial.term.endDate);
  });

  it('leaves a subscription that was never activated alone (no term yet)', async () => {
    const bought = await mp.purchase();
    clock.advance(400 * DAY);
    await run();
    assert.equal((await get(bought.subscriptionId)).saasSubscriptionStatus, 'PendingFulfillmentStart');
  });

  it('refuses a clock move that is not an ISO 8601 duration, naming the field', async () => {
    const r = await mp.http('POST', '/simulator/clock', { body: { advanceBy: 'tomorrow' } });
    assert.equal(r.status, 400);
    assert.equal((r.body as Body).target, 'advanceBy');
  });
});
