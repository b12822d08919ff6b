// The client's metering methods against the real emulator: a duplicate is a result carrying the accepted
// event (never an exception), a batch of any size goes out 25 at a time, refusals are statuses, a lost
// answer is retried without billing twice, and the read-back filters as the service does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential, MarketplaceClient, MarketplaceError, type UsageEvent } from '@saas-fulfillment/client';
import { DEV_PUBLISHER, startTestMarketplace, TestClock, type TestMarketplace } from '../helpers/marketplace.js';

const HOUR = 3_600_000;

describe('MarketplaceClient metering against the emulator', () => {
  let mp: TestMarketplace;
  let clock: TestClock;
  let client: MarketplaceClient;
  const requests: string[] = [];

  before(async () => {
    clock = new TestClock('2026-05-20T18:10:00.000Z');
    mp = await startTestMarketplace({ clock });
    const counting: typeof fetch = (input, init) => {
      requests.push(String(input));
      return fetch(input, init);
    };
    client = new MarketplaceClient({
      baseUrl: `${mp.url}/api`,
      credential: new ClientSecretCredential({ ...DEV_PUBLISHER, authorityHost: mp.url }),
      fetch: counting,
      retry: { baseDelayMs: 10, maxDelayMs: 20 },
    });
  });
  after(() => mp.close());

  const hourStart = (hoursAgo: number) => new Date(Math.floor(clock.now().getTime() / HOUR) * HOUR - hoursAgo * HOUR).toISOString();
  const usage = (resourceId: string, hoursAgo: number, quantity = 100): UsageEvent => ({
    resourceId,
    planId: 'pro',
    dimension: 'api_calls',
    quantity,
    effectiveStartTime: hourStart(hoursAgo),
  });

  it('posts an event, and a second for the same hour comes back Duplicate with the accepted one', async () => {
    const id = await mp.subscribe();
    const first = await client.postUsageEvent(usage(id, 1, 40));
    assert.equal(first.status, 'Accepted');
    assert.equal(first.accepted?.quantity, 40);
    const again = await client.postUsageEvent(usage(id, 1, 55));
    assert.equal(again.status, 'Duplicate');
    assert.equal(again.accepted?.usageEventId, first.accepted?.usageEventId);
    assert.equal(again.accepted?.quantity, 40, 'the quantity billed is the first one');
    assert.equal(again.event.quantity, 55);
  });

  it('throws a MarketplaceError naming the rule for a refused single event', async () => {
    const id = await mp.subscribe();
    await assert.rejects(client.postUsageEvent({ ...usage(id, 1), dimension: 'storage_gb' }), (error: unknown) => {
      assert.ok(error instanceof MarketplaceError);
      assert.deepEqual([error.status, error.code, error.target], [400, 'InvalidDimension', 'dimension']);
      return true;
    });
    await assert.rejects(client.postUsageEvent(usage(id, 25)), { status: 400, code: 'Expired' });
  });

  it('splits 60 events into batches of 25, 25 and 10, one result per event in order', async () => {
    const ids = [await mp.subscribe(), await mp.subscribe(), await mp.subscribe()];
    const events = ids.flatMap((id) => Array.from({ length: 20 }, (_, hour) => usage(id, hour + 1, hour + 1)));
    events[7] = { ...events[7]!, quantity: 0 };
    const before = requests.filter((r) => r.includes('/batchUsageEvent')).length;
    const results = await client.postBatchUsageEvents(events);
    assert.equal(requests.filter((r) => r.includes('/batchUsageEvent')).length - before, 3);
    assert.equal(results.length, 60);
    assert.equal(results[7]!.status, 'InvalidQuantity');
    assert.ok(results[7]!.error?.message);
    assert.equal(results.filter((r) => r.status === 'Accepted').length, 59);
    assert.deepEqual(
      results.map((r) => r.event),
      events,
    );
    const replay = await client.postBatchUsageEvents(events.slice(0, 3));
    assert.deepEqual(
      replay.map((r) => [r.status, r.accepted?.usageEventId]),
      results.slice(0, 3).map((r) => ['Duplicate', r.accepted?.usageEventId]),
    );
  });

  it('retries a batch whose answer was lost: the events already accepted come back Duplicate, billed once', async () => {
    const id = await mp.subscribe();
    // The first answer never arrives: the service accepted the events, the client saw a reset.
    const fault = await mp.http('POST', '/simulator/faults', { body: { pathPattern: '/batchUsageEvent', lostAnswer: true, count: 1 } });
    assert.equal(fault.status, 201, fault.text);
    const results = await client.postBatchUsageEvents([usage(id, 2, 10), usage(id, 3, 20)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['Duplicate', 'Duplicate'],
    );
    const held = await mp.http('GET', `/simulator/subscriptions/${id}/usage`);
    assert.deepEqual((held.body as { usage: { quantity: number }[] }).usage.map((u) => u.quantity).sort(), [10, 20]);
  });

  it('reads usage back with filters (UsageEndDate spelled as the service spells it)', async () => {
    const id = await mp.subscribe();
    await client.postUsageEvent(usage(id, 2, 3));
    const today = clock.now().toISOString().slice(0, 10);
    const mine = (await client.getUsageEvents({ usageStartDate: today, usageEndDate: today, dimension: 'api_calls' })).filter((u) => u.usageResourceId === id);
    assert.deepEqual(
      mine.map((u) => [u.submittedQuantity, u.reconStatus]),
      [[3, 'Submitted']],
    );
    assert.deepEqual(await client.getUsageEvents({ usageStartDate: today, planId: 'basic' }), []);
  });
});
