// Metered billing end to end over real HTTP, on SQLite and PostgreSQL, with one clock for both apps:
// usage in through POST /api/usage, hours priced (the plan's included quantity first), sent once, a
// late record billed in the next hour, a term boundary resetting the included quantity, and exactly the
// expected overage accepted by the emulator. Then the ingestion API's refusals, and the alerts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SubmissionReport } from '@saas-fulfillment/publisher/internals';
import { testDialects } from '../helpers/databases.js';
import { TestClock } from '../helpers/marketplace.js';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';

type Body = Record<string, unknown>;
const T0 = '2026-06-01T10:15:00.000Z';
const HOUR = 3_600_000;
const TENANT = '77777777-7777-4777-8777-777777777777';
const TENANT_KEY = 'tenant-key-for-tests-0123456789';

for (const dialect of await testDialects())
  describe(`metering on ${dialect}`, () => {
    let stack: TestStack;
    let clock: TestClock;

    before(async () => {
      clock = new TestClock(T0);
      stack = await startTestStack({ dialect, marketplace: { clock }, publisher: { clock, tenantApiKeys: { [TENANT]: TENANT_KEY } } });
    });
    after(() => stack.close());

    const report = async (records: unknown, key = APP_API_KEY) => {
      const response = await fetch(`${stack.publisherUrl}/api/usage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(records),
      });
      return { status: response.status, body: (await response.json()) as Body };
    };
    const submit = async () => {
      const admin = await stack.admin();
      const response = await admin.postJson('/api/admin/metering/submit', {});
      assert.equal(response.status, 200, response.text);
      return JSON.parse(response.text) as SubmissionReport;
    };
    const moveClock = async (advanceBy: string) => {
      const moved = await stack.mp.http('POST', '/simulator/clock', { body: { advanceBy } });
      assert.equal(moved.status, 200, moved.text);
      await stack.settle();
    };
    const at = (iso: string) => {
      clock.advance(Date.parse(iso) - clock.now().getTime());
    };
    /** What the emulator billed for the subscription: hour → quantity. */
    const billed = async (id: string) => {
      const events = await stack.mp.app.marketplace.store.usage.of(id, 1000);
      return Object.fromEntries(events.map((e) => [e.hour, e.quantity]).sort());
    };
    const calls = (subscriptionId: string, quantity: number, timestamp: string, idempotencyKey?: string) => ({
      subscriptionId,
      dimension: 'api_calls',
      quantity,
      timestamp,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });

    it('bills only the overage above the included quantity, each hour once, a late record in the next hour, and resets at the term boundary', async () => {
      at(T0);
      const id = await stack.buyAndActivate({ planId: 'enterprise', quantity: 10, termUnit: 'P1M' });
      // Hour 10: 6,000 calls in three records (one sent twice with its key): all within the 10,000 included.
      at('2026-06-01T10:55:00Z');
      const first = await report([
        calls(id, 2500, '2026-06-01T10:20:00Z', 'a'),
        calls(id, 2500, '2026-06-01T10:40:00Z', 'b'),
        calls(id, 1000, '2026-06-01T10:50:00Z', 'c'),
        calls(id, 2500, '2026-06-01T10:20:00Z', 'a'),
      ]);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual([first.body.accepted, first.body.duplicates, first.body.refused], [3, 1, 0]);
      const again = await report(calls(id, 2500, '2026-06-01T10:20:00Z', 'a'));
      assert.deepEqual([again.status, again.body.status], [200, 'duplicate']);

      // Hour 11: 5,000 more: 4,000 are included, 1,000 are overage.
      at('2026-06-01T11:30:00Z');
      assert.equal((await report(calls(id, 5000, '2026-06-01T11:10:00Z'))).status, 201);
      const early = await submit();
      assert.deepEqual([early.priced, early.included, early.sent], [1, 1, 0], 'hour 10 is covered by the plan; hour 11 is still open');
      at('2026-06-01T12:05:00Z');
      const sent = await submit();
      assert.deepEqual([sent.priced, sent.included, sent.sent, sent.accepted], [1, 0, 1, 1]);
      assert.deepEqual(await billed(id), { '2026-06-01T11:00:00.000Z': 1000 });

      // A record for hour 11 arriving after it was billed is carried into the open hour 12, not lost.
      const late = await report(calls(id, 200, '2026-06-01T11:55:00Z'));
      assert.deepEqual([late.status, late.body.billingHour], [201, '2026-06-01T12:00:00.000Z']);
      assert.equal((await submit()).sent, 0, 'nothing closed is left to send');
      at('2026-06-01T13:01:00Z');
      await submit();
      assert.deepEqual(await billed(id), { '2026-06-01T11:00:00.000Z': 1000, '2026-06-01T12:00:00.000Z': 200 });

      // The month ends: the marketplace renews (Renew webhook) and the included 10,000 start again.
      await moveClock('P29DT22H');
      const renewed = await stack.publisher.publisher.store.getSubscription(id);
      assert.equal(renewed?.termStart, '2026-07-01T10:15:00.000Z');
      at('2026-07-01T11:20:00Z');
      const boundary = await report([calls(id, 500, '2026-07-01T09:30:00Z'), calls(id, 3000, '2026-07-01T11:20:00Z')]);
      assert.equal(boundary.body.accepted, 2);
      at('2026-07-01T12:05:00Z');
      const afterRenewal = await submit();
      assert.deepEqual([afterRenewal.priced, afterRenewal.included, afterRenewal.accepted], [2, 1, 1]);
      assert.deepEqual(await billed(id), {
        '2026-06-01T11:00:00.000Z': 1000,
        '2026-06-01T12:00:00.000Z': 200,
        '2026-07-01T09:00:00.000Z': 500,
      });

      // Microsoft's read-back agrees with ours: the reconciliation finds no difference.
      const admin = await stack.admin();
      const recon = JSON.parse((await admin.get('/api/admin/metering/reconciliation?day=2026-07-01')).text) as { lines: Body[] };
      assert.deepEqual(
        recon.lines.map((l) => [l.subscriptionId, l.ours, (l.theirs as Body).submittedQuantity]),
        [[id, 500, 500]],
      );
      // The page's day chooser reads in words, steps a day at a time and stops at today (the service's day).
      const before = (await admin.get('/admin/metering/reconciliation?day=2026-06-30')).text;
      assert.match(before, /<option value="2026-06-30" selected>30 June 2026<\/option>/);
      assert.match(before, /<option value="2026-07-01">1 July 2026 \(today\)<\/option>/);
      assert.match(before, /day=2026-06-29">‹ 29 June 2026<\/a> · <a [^>]*day=2026-07-01">1 July 2026 ›</);
      assert.doesNotMatch(before, /type="date"/);
      const today = (await admin.get('/admin/metering/reconciliation')).text;
      assert.match(today, /<option value="2026-07-01" selected>/);
      assert.doesNotMatch(today, /2026-07-02/, 'no step past today');
      const page = await admin.get('/admin/metering');
      assert.match(page.text, /Covered by the plan/);
      assert.match(page.text, /<div class="cell">API calls <span class="muted nowrap">\(calls\)<\/span><\/div>/, "a dimension by its plan's name and unit");
      assert.doesNotMatch(page.text, />api_calls</);
      assert.match(before + today, /API calls|Nothing billed/);
      assert.match(page.text, /Billed/);
      const metrics = await fetch(`${stack.publisherUrl}/metrics`).then((r) => r.text());
      assert.match(metrics, /saas_usage_records_total\{result="duplicate"\} 2/);
      assert.match(metrics, /saas_usage_hours_total\{result="accepted"\} 3/);
    });

    it('refuses each bad record with the field named, and answers per record for an array', async () => {
      at('2026-08-03T08:30:00Z');
      const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
      const now = clock.now().toISOString();
      const refused = async (record: unknown, status: number, code: string, target: string, key?: string) => {
        const r = await report(record, key);
        assert.deepEqual([r.status, r.body.code, r.body.target], [status, code, target], JSON.stringify(r.body));
      };
      await refused(calls('00000000-0000-4000-8000-000000000000', 1, now), 404, 'SubscriptionNotFound', 'subscriptionId');
      await refused({ ...calls(id, 1, now), dimension: 'storage_gb' }, 400, 'UnknownDimension', 'dimension');
      await refused(calls(id, 0, now), 400, 'BadArgument', 'quantity');
      await refused(calls(id, -5, now), 400, 'BadArgument', 'quantity');
      await refused({ ...calls(id, 1, now), quantity: '7' }, 400, 'BadArgument', 'quantity');
      await refused(calls(id, 1, 'yesterday'), 400, 'BadArgument', 'timestamp');
      await refused(calls(id, 1, new Date(clock.now().getTime() + HOUR).toISOString()), 400, 'TimestampInFuture', 'timestamp');
      await refused(calls(id, 1, new Date(clock.now().getTime() - 25 * HOUR).toISOString()), 400, 'TimestampTooOld', 'timestamp');
      await refused({ dimension: 'api_calls', quantity: 1, timestamp: now }, 400, 'BadArgument', 'subscriptionId');
      // A tenant's key reports for that tenant's subscriptions only.
      await refused(calls(id, 1, now), 404, 'SubscriptionNotFound', 'subscriptionId', TENANT_KEY);
      const theirs = await stack.buyAndActivate({ planId: 'pro', quantity: 1, beneficiary: { tenantId: TENANT, emailId: 'it@tenant.example.com' } });
      assert.equal((await report(calls(theirs, 3, now), TENANT_KEY)).status, 201);
      assert.equal((await report(calls(id, 1, now), 'wrong-key')).status, 401);

      const suspended = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
      assert.equal((await stack.mp.http('POST', `/simulator/subscriptions/${suspended}/actions`, { body: { action: 'Suspend' } })).status, 202);
      await stack.settle();
      await refused(calls(suspended, 1, now), 409, 'SubscriptionNotActive', 'subscriptionId');

      const mixed = await report([calls(id, 1, now), calls(id, 0, now), { nonsense: true }]);
      assert.equal(mixed.status, 200);
      assert.deepEqual(
        (mixed.body.results as Body[]).map((r) => [r.status, (r.error as Body | undefined)?.field]),
        [
          ['accepted', undefined],
          ['refused', 'quantity'],
          ['refused', 'subscriptionId'],
        ],
      );
      assert.equal((await report(Array.from({ length: 1001 }, () => calls(id, 1, now)))).status, 400);
      const full = await report(Array.from({ length: 1000 }, (_, i) => calls(id, 0.5, now, `${'k'.repeat(190)}-${i}`)));
      assert.deepEqual([full.status, full.body.accepted], [200, 1000], 'the largest batch, with long keys, fits');
      assert.equal((await report([])).status, 400);
      const stored = await stack.publisher.publisher.store.usage.recordsOf(id, 2000);
      assert.equal(stored.length, 1001, 'only the accepted records are stored');
    });

    it("adds exactly: tenths, units past 2^53, an hour at the ceiling, a seventh decimal (the review's attacks, replayed)", async () => {
      at('2026-08-05T08:10:00Z');
      const [tenths, huge, thousand] = [
        await stack.buyAndActivate({ planId: 'pro', quantity: 1 }),
        await stack.buyAndActivate({ planId: 'pro', quantity: 1 }),
        await stack.buyAndActivate({ planId: 'pro', quantity: 1 }),
      ];
      const now = clock.now().toISOString();
      // Ten 0.1s and a 0.2: as doubles, 1.2000000000000002.
      assert.equal((await report([...Array.from({ length: 10 }, () => calls(tenths, 0.1, now)), calls(tenths, 0.2, now)])).body.accepted, 11);
      // 10 x 1e15 + 1 + 1 was stored as 1e16, two units lost: each 1e15 is now past the ceiling, refused alone.
      const big = await report([...Array.from({ length: 10 }, () => calls(huge, 1e15, now)), calls(huge, 1, now), calls(huge, 1, now)]);
      assert.deepEqual([big.body.accepted, big.body.refused], [2, 10]);
      assert.deepEqual((big.body.results as Body[])[0]?.error, { code: 'BadArgument', field: 'quantity', message: 'quantity must be <= 999999999.999999' });
      // 1,000 x 1e6 in one hour made a 1e9 hour: the 1,000th record would take it past 999999999.999999.
      const full = await report(Array.from({ length: 1000 }, () => calls(thousand, 1e6, now)));
      assert.deepEqual([full.body.accepted, full.body.refused], [999, 1]);
      const lastError = (full.body.results as Body[]).at(-1)?.error as Body | undefined;
      assert.deepEqual([lastError?.code, lastError?.field], ['HourTotalTooLarge', 'quantity']);
      // A copy of a refused record in the same batch (same idempotency key) is refused with it, not called a duplicate.
      const copied = await report([calls(thousand, 1e6, now, 'one-more'), calls(thousand, 1e6, now, 'one-more')]);
      assert.deepEqual(
        (copied.body.results as Body[]).map((r) => [r.status, (r.error as Body | undefined)?.code]),
        [
          ['refused', 'HourTotalTooLarge'],
          ['refused', 'HourTotalTooLarge'],
        ],
      );
      const seventh = await report(calls(tenths, 0.0000001, now));
      assert.deepEqual([seventh.status, seventh.body.code, seventh.body.target], [400, 'BadArgument', 'quantity']);

      at('2026-08-05T09:05:00Z');
      assert.equal((await submit()).accepted, 3);
      assert.deepEqual(await billed(tenths), { '2026-08-05T08:00:00.000Z': 1.2 });
      assert.deepEqual(await billed(huge), { '2026-08-05T08:00:00.000Z': 2 });
      assert.deepEqual(await billed(thousand), { '2026-08-05T08:00:00.000Z': 999_000_000 });
    });

    it('warns before an unsent hour expires, retries while Microsoft fails, and marks the hour expired when the window closes', async () => {
      at('2026-09-10T07:10:00Z');
      const id = await stack.buyAndActivate({ planId: 'pro', quantity: 3 });
      assert.equal((await report(calls(id, 42, '2026-09-10T07:15:00Z'))).status, 201);
      const outage = await stack.mp.http('POST', '/simulator/faults', { body: { pathPattern: '/batchUsageEvent', status: 503, count: 1000 } });
      assert.equal(outage.status, 201, outage.text);
      at('2026-09-10T08:05:00Z');
      const failing = await submit();
      assert.deepEqual([failing.sent, failing.failed], [1, 1]);
      const admin = await stack.admin();
      const alerts = async () =>
        (JSON.parse((await admin.get('/api/admin/metering')).text) as { alerts: Body[] }).alerts.filter((a) => a.subscriptionId === id);
      assert.deepEqual(await alerts(), [], 'not yet at risk');

      at('2026-09-11T02:00:00Z');
      assert.deepEqual(
        (await alerts()).map((a) => [a.kind, a.deadline]),
        [['at-risk', '2026-09-11T07:00:00.000Z']],
      );
      assert.match((await admin.get('/admin/metering')).text, /the 24-hour window closes soon/);
      assert.match(await fetch(`${stack.publisherUrl}/metrics`).then((r) => r.text()), /saas_usage_hours_at_risk [1-9]/);

      const expiredCount = async () => {
        const metrics = await fetch(`${stack.publisherUrl}/metrics`).then((r) => r.text());
        return Number(/saas_usage_hours_total\{result="expired"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      };
      const expiredBefore = await expiredCount();
      at('2026-09-11T07:30:00Z');
      const late = await submit();
      assert.ok(late.expired >= 1);
      assert.deepEqual(
        (await alerts()).map((a) => a.kind),
        ['expired'],
      );
      assert.deepEqual(await billed(id), {});
      await stack.mp.http('DELETE', '/simulator/faults');
      assert.equal(await expiredCount(), expiredBefore + late.expired);
      const hour = (await stack.publisher.publisher.store.usage.hoursOf({ subscriptionId: id, limit: 10 }))[0];
      assert.deepEqual([hour?.status, hour?.billable], ['expired', 42]);
    });
  });
