// The Metering Service API, one test per rule of reference §8 and per status it answers, over real HTTP;
// every answer is checked against the official metering OpenAPI file by the harness.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../helpers/databases.js';
import { catalogWithOtherPublisher, otherPublisherToken, startTestMarketplace, TestClock, type TestMarketplace } from '../helpers/marketplace.js';

const catalog = catalogWithOtherPublisher();

type Body = Record<string, unknown>;
const START = '2026-03-10T12:30:00.000Z';
const HOUR = 3_600_000;

for (const dialect of await testDialects())
  describe(`metering API on ${dialect}`, () => {
    let mp: TestMarketplace;
    let clock: TestClock;
    let otherToken: string;

    before(async () => {
      clock = new TestClock(START);
      mp = await startTestMarketplace({ dialect, catalog, clock });
      otherToken = await otherPublisherToken(mp);
    });
    after(() => mp.close());

    const hoursAgo = (hours: number) => new Date(clock.now().getTime() - hours * HOUR).toISOString();
    const event = (resourceId: string, overrides: Body = {}): Body => ({
      resourceId,
      planId: 'pro',
      dimension: 'api_calls',
      quantity: 250,
      effectiveStartTime: hoursAgo(1),
      ...overrides,
    });
    const post = (body: Body, token?: string | null) => mp.api('POST', '/usageEvent', { body, ...(token !== undefined ? { token } : {}) });
    const refusedWith = async (body: Body, status: number, code: string, target?: string) => {
      const r = await post(body);
      assert.equal(r.status, status, r.text);
      assert.equal((r.body as Body).code, code, r.text);
      if (target) assert.equal((r.body as Body).target, target, r.text);
    };

    it('accepts an event: 200 with its usageEventId, status Accepted and the event echoed', async () => {
      const id = await mp.subscribe();
      const sent = event(id, { quantity: 12.5 });
      const r = await post(sent);
      assert.equal(r.status, 200, r.text);
      const body = r.body as Body;
      assert.equal(body.status, 'Accepted');
      assert.match(String(body.usageEventId), /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        [body.resourceId, body.planId, body.dimension, body.quantity, body.effectiveStartTime],
        [id, 'pro', 'api_calls', 12.5, sent.effectiveStartTime],
      );
      assert.equal(body.messageTime, clock.now().toISOString());
    });

    it('answers as production does: resourceUri names the SaaS resource in its Azure subscription and resource group, alone, in a duplicate and in a batch; the read-back carries azureSubscriptionId', async () => {
      const azureSubscriptionId = 'a1b2c3d4-0000-4000-8000-00000000abcd';
      const id = await mp.subscribe({ azureSubscriptionId, resourceGroup: 'rg-billing', name: 'Fabrikam prod' });
      const resourceUri = `/subscriptions/${azureSubscriptionId}/resourceGroups/rg-billing/providers/Microsoft.SaaS/resources/Fabrikam%20prod`;
      const first = await post(event(id, { effectiveStartTime: hoursAgo(5) }));
      assert.equal((first.body as Body).resourceUri, resourceUri);
      const again = await post(event(id, { effectiveStartTime: hoursAgo(5) }));
      assert.equal(again.status, 409);
      assert.equal((again.body as { additionalInfo: { acceptedMessage: Body } }).additionalInfo.acceptedMessage.resourceUri, resourceUri);
      const batch = await mp.api('POST', '/batchUsageEvent', { body: { request: [event(id, { effectiveStartTime: hoursAgo(6) })] } });
      assert.equal((batch.body as { result: Body[] }).result[0]?.resourceUri, resourceUri);
      const today = clock.now().toISOString().slice(0, 10);
      const rows = async (query: Record<string, string>) =>
        ((await mp.api('GET', '/usageEvents', { query: { usageStartDate: hoursAgo(7).slice(0, 10), UsageEndDate: today, ...query } })).body as Body[]).filter(
          (row) => row.usageResourceId === id,
        );
      assert.ok((await rows({})).every((row) => row.azureSubscriptionId === azureSubscriptionId));
      assert.ok((await rows({ azureSubscriptionId: azureSubscriptionId.toUpperCase() })).length > 0, 'the filter finds it');
      assert.deepEqual(await rows({ azureSubscriptionId: '00000000-0000-4000-8000-000000000000' }), []);
    });

    it('answers 409 Conflict with the accepted event for a second event in the same hour, whatever its quantity', async () => {
      const id = await mp.subscribe();
      const first = (await post(event(id, { effectiveStartTime: hoursAgo(2) }))).body as Body;
      const sameHour = new Date(Date.parse(String(first.effectiveStartTime)) + 60_000).toISOString();
      const r = await post(event(id, { effectiveStartTime: sameHour, quantity: 999 }));
      assert.equal(r.status, 409, r.text);
      const conflict = r.body as { code: string; additionalInfo: { acceptedMessage: Body } };
      assert.equal(conflict.code, 'Conflict');
      assert.equal(conflict.additionalInfo.acceptedMessage.status, 'Duplicate');
      assert.equal(conflict.additionalInfo.acceptedMessage.usageEventId, first.usageEventId);
      assert.equal(conflict.additionalInfo.acceptedMessage.quantity, 250);
      // Another hour, or another dimension in the same hour, is a new event.
      assert.equal((await post(event(id, { effectiveStartTime: hoursAgo(3) }))).status, 200);
    });

    it('answers 400 ResourceNotActive unless the subscription is Subscribed (pending, suspended)', async () => {
      const pending = (await mp.purchase()).subscriptionId;
      await refusedWith(event(pending), 400, 'ResourceNotActive', 'resourceId');
      const suspended = await mp.subscribe();
      assert.equal((await mp.http('POST', `/simulator/subscriptions/${suspended}/actions`, { body: { action: 'Suspend' } })).status, 202);
      await refusedWith(event(suspended), 400, 'ResourceNotActive', 'resourceId');
    });

    it('answers 400 InvalidDimension for a dimension the purchased plan does not meter', async () => {
      const id = await mp.subscribe();
      await refusedWith(event(id, { dimension: 'storage_gb' }), 400, 'InvalidDimension', 'dimension');
      const basic = await mp.subscribe({ planId: 'basic', quantity: undefined });
      await refusedWith(event(basic, { planId: 'basic' }), 400, 'InvalidDimension', 'dimension');
    });

    it('answers 400 BadArgument when planId is not the purchased plan', async () => {
      await refusedWith(event(await mp.subscribe(), { planId: 'enterprise' }), 400, 'BadArgument', 'planId');
    });

    it('answers 400 InvalidQuantity for 0 and for a negative quantity; decimals are allowed', async () => {
      const id = await mp.subscribe();
      await refusedWith(event(id, { quantity: 0 }), 400, 'InvalidQuantity', 'quantity');
      await refusedWith(event(id, { quantity: -3 }), 400, 'InvalidQuantity', 'quantity');
      await refusedWith(event(id, { quantity: 'ten' }), 400, 'BadArgument', 'quantity');
    });

    it('answers 400 Expired for an effectiveStartTime more than 24 hours old, and refuses one in the future', async () => {
      const id = await mp.subscribe();
      await refusedWith(event(id, { effectiveStartTime: hoursAgo(24.1) }), 400, 'Expired', 'effectiveStartTime');
      await refusedWith(event(id, { effectiveStartTime: hoursAgo(-0.5) }), 400, 'BadArgument', 'effectiveStartTime');
      assert.equal((await post(event(id, { effectiveStartTime: hoursAgo(23.9) }))).status, 200, 'inside the window');
    });

    it('answers 400 ResourceNotFound for an unknown subscription and BadArgument without a resourceId', async () => {
      await refusedWith(event('00000000-0000-4000-8000-000000000000'), 400, 'ResourceNotFound', 'resourceId');
      const { resourceId: _, ...withoutResource } = event('x');
      await refusedWith(withoutResource, 400, 'BadArgument', 'resourceId');
    });

    it('answers 403 without a token, with a bad token, and for another publisher’s subscription', async () => {
      const id = await mp.subscribe();
      assert.equal((await post(event(id), null)).status, 403);
      assert.equal((await post(event(id), 'not-a-token')).status, 403);
      assert.equal((await post(event(id, { planId: 'pro' }), otherToken)).status, 403);
    });

    it('requires api-version 2018-08-31', async () => {
      const r = await mp.api('POST', '/usageEvent', { body: event(await mp.subscribe()), apiVersion: null });
      assert.equal(r.status, 400);
      assert.equal((r.body as Body).code, 'ApiVersionUnspecified');
    });

    describe('batch', () => {
      it('answers 200 with one status per event: accepted, duplicate (within the batch and before it) and each refusal', async () => {
        const id = await mp.subscribe();
        const earlier = (await post(event(id, { effectiveStartTime: hoursAgo(5) }))).body as Body;
        const pending = (await mp.purchase()).subscriptionId;
        const events = [
          event(id, { effectiveStartTime: hoursAgo(1) }),
          event(id, { effectiveStartTime: hoursAgo(1), quantity: 7 }),
          event(id, { effectiveStartTime: hoursAgo(5) }),
          event(id, { dimension: 'nope' }),
          event(id, { quantity: 0 }),
          event(id, { effectiveStartTime: hoursAgo(30) }),
          event(pending),
          event('00000000-0000-4000-8000-000000000000'),
        ];
        const r = await mp.api('POST', '/batchUsageEvent', { body: { request: events } });
        assert.equal(r.status, 200, r.text);
        const body = r.body as { count: number; result: Body[] };
        assert.equal(body.count, events.length);
        assert.deepEqual(
          body.result.map((item) => item.status),
          ['Accepted', 'Duplicate', 'Duplicate', 'InvalidDimension', 'InvalidQuantity', 'Expired', 'ResourceNotActive', 'ResourceNotFound'],
        );
        const duplicate = body.result[2]!.error as { additionalInfo: { acceptedMessage: Body } };
        assert.equal(duplicate.additionalInfo.acceptedMessage.usageEventId, earlier.usageEventId);
        assert.equal(body.result[1]!.messageTime, '0001-01-01T00:00:00Z');
      });

      it('marks another publisher’s subscription ResourceNotAuthorized in a batch', async () => {
        const theirs = await mp.subscribe();
        const r = await mp.api('POST', '/batchUsageEvent', { body: { request: [event(theirs)] }, token: otherToken });
        assert.equal(r.status, 200, r.text);
        assert.equal((r.body as { result: Body[] }).result[0]!.status, 'ResourceNotAuthorized');
      });

      it('answers 400 for more than 25 events and for none', async () => {
        const id = await mp.subscribe();
        const many = Array.from({ length: 26 }, (_, i) => event(id, { effectiveStartTime: hoursAgo(i * 0.5) }));
        assert.equal((await mp.api('POST', '/batchUsageEvent', { body: { request: many } })).status, 400);
        assert.equal((await mp.api('POST', '/batchUsageEvent', { body: { request: [] } })).status, 400);
      });
    });

    describe('GET /usageEvents', () => {
      it('reports usage per subscription, dimension and day: Submitted today, Accepted once the day is processed', async () => {
        const id = await mp.subscribe();
        await post(event(id, { effectiveStartTime: hoursAgo(2), quantity: 10 }));
        await post(event(id, { effectiveStartTime: hoursAgo(3), quantity: 5 }));
        const today = clock.now().toISOString().slice(0, 10);
        const read = async (query: Record<string, string>) => {
          const r = await mp.api('GET', '/usageEvents', { query });
          assert.equal(r.status, 200, r.text);
          return (r.body as Body[]).filter((item) => item.usageResourceId === id);
        };
        const [submitted] = await read({ usageStartDate: today });
        assert.deepEqual(
          [submitted?.usageDate, submitted?.reconStatus, submitted?.submittedQuantity, submitted?.processedQuantity, submitted?.submittedCount],
          [`${today}T00:00:00Z`, 'Submitted', 15, 0, 2],
        );
        assert.equal(submitted?.offerType, 'SaaS');
        assert.equal(submitted?.planName, 'Pro');

        clock.advance(24 * HOUR);
        const [processed] = await read({ usageStartDate: today, reconStatus: 'Accepted' });
        assert.deepEqual([processed?.reconStatus, processed?.processedQuantity], ['Accepted', 15]);
        assert.deepEqual(await read({ usageStartDate: today, reconStatus: 'Submitted' }), []);
        assert.deepEqual(await read({ usageStartDate: today, dimension: 'storage_gb' }), []);
        assert.deepEqual(await read({ usageStartDate: today, planId: 'enterprise' }), []);
        assert.equal((await read({ usageStartDate: today, UsageEndDate: today, offerId: 'contoso-saas' })).length, 1);
        assert.deepEqual(await read({ usageStartDate: `${today}T00:00`, UsageEndDate: `${today}T01:00` }), [], 'an instant ends the range');
        clock.advance(-24 * HOUR);
      });

      it('requires usageStartDate as an ISO 8601 date, and hides other publishers’ usage', async () => {
        const missing = await mp.api('GET', '/usageEvents');
        assert.equal(missing.status, 400);
        assert.equal((missing.body as Body).target, 'usageStartDate');
        const bad = await mp.api('GET', '/usageEvents', { query: { usageStartDate: 'yesterday' } });
        assert.equal(bad.status, 400);
        assert.equal((bad.body as Body).target, 'usageStartDate');
        const theirs = await mp.api('GET', '/usageEvents', { query: { usageStartDate: '2026-01-01' }, token: otherToken });
        assert.deepEqual(theirs.body, []);
      });
    });

    it('shows usage per hour on the simulator’s subscription page and forgets it on reset', async () => {
      const id = await mp.subscribe();
      await post(event(id, { quantity: 4321 }));
      const page = await mp.http('GET', `/subscriptions/${id}`);
      assert.match(page.text, /Usage/);
      assert.match(page.text, /api_calls/);
      assert.match(page.text, /4,321/);
      const listed = await mp.http('GET', `/simulator/subscriptions/${id}/usage`);
      assert.equal((listed.body as { usage: Body[] }).usage[0]?.quantity, 4321);
      const today = clock.now().toISOString().slice(0, 10);
      assert.notDeepEqual((await mp.api('GET', '/usageEvents', { query: { usageStartDate: today } })).body, []);
      assert.equal((await mp.http('POST', '/simulator/reset')).status, 200);
      assert.deepEqual((await mp.api('GET', '/usageEvents', { query: { usageStartDate: today } })).body, []);
    });
  });
