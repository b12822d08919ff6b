// @saas-fulfillment/app against a live publisher (and the emulator behind it): entitlement checks from a
// cache that events keep fresh and a bound keeps honest when events are lost, conditional refreshes,
// signed events verified and typed, and usage that survives a publisher outage and a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { OffsetClock, usageHour } from '@saas-fulfillment/contract';
import { connect, Entitlements, EventVerificationError, type SaasApp, type SubscriptionEvent, UsageRecorder } from '@saas-fulfillment/app';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.js';
import { until } from '../helpers/wait.js';

const EVENT_SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length').toString('base64')}`;
const FEATURES = { basic: ['dashboards'], pro: ['dashboards', 'reports'], enterprise: ['dashboards', 'reports', 'sso'] };

describe('@saas-fulfillment/app against a live publisher', () => {
  let stack: TestStack;
  let relay: TcpRelay;
  let app: SaasApp;
  let now = Date.now();
  const received: SubscriptionEvent[] = [];
  const product = Fastify();
  const scratch = mkdtempSync(path.join(tmpdir(), 'saas-app-'));
  /** The publisher as the product reaches it: through a relay the test can cut. */
  const connection = () => ({ baseUrl: `http://127.0.0.1:${relay.port}`, apiKey: APP_API_KEY, timeoutMs: 2000 });
  const customer = (id: string, body: Record<string, unknown>) => stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body });

  before(async () => {
    // The product's own endpoint for the publisher's events, verified by the SDK.
    product.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    product.post('/events', async (request, reply) => {
      try {
        await app.events?.handle(request.headers, request.body as string);
        return {};
      } catch (error) {
        if (error instanceof EventVerificationError) return reply.status(400).send({ error: error.message });
        throw error;
      }
    });
    const productUrl = await product.listen({ host: '127.0.0.1', port: 0 });
    stack = await startTestStack({ publisher: { events: { url: `${productUrl}/events`, secret: EVENT_SECRET } } });
    relay = await startTcpRelay({ host: '127.0.0.1', port: Number(new URL(stack.publisherUrl).port) });
    app = await connect({
      ...connection(),
      eventsSecret: EVENT_SECRET,
      entitlements: { maxStalenessMs: 60_000, refreshMs: 0, features: FEATURES, now: () => now },
      usage: { flushIntervalMs: 60_000, retryMs: 1 },
    });
    app.events?.on('*', (event) => void received.push(event));
  });
  after(async () => {
    await app.close();
    await relay.close();
    await stack.close();
    await product.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers by plan and status: features of the plan only, read-only while suspended, nothing for an unknown subscription', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 3 });
    assert.deepEqual(await app.entitlements.check(id, 'reports').then((d) => [d.allowed, d.reason, d.entitlement?.quantity]), [true, 'active', 3]);
    assert.deepEqual(app.entitlements.cached(id, 'sso'), { allowed: false, reason: 'not-in-plan', entitlement: app.entitlements.cached(id)?.entitlement });
    assert.deepEqual(await app.entitlements.check('00000000-0000-4000-8000-000000000000'), { allowed: false, reason: 'unknown-subscription' });
    const tenantId = app.entitlements.cached(id)?.entitlement?.beneficiaryTenantId ?? '';
    assert.deepEqual(await app.entitlements.checkTenant(tenantId, 'reports').then((d) => [d.allowed, d.reason]), [true, 'active'], 'by the customer tenant');
    assert.deepEqual(await app.entitlements.checkTenant('11111111-2222-4333-8444-555555555555'), { allowed: false, reason: 'unknown-subscription' });
    await customer(id, { action: 'Suspend' });
    await stack.settle();
    await until(async () => (app.entitlements.cached(id) === undefined ? true : undefined), 'the suspension event to reach the product');
    assert.deepEqual(await app.entitlements.check(id, 'reports').then((d) => [d.allowed, d.reason]), [true, 'read-only']);
    assert.deepEqual(await app.entitlements.checkTenant(tenantId, 'reports').then((d) => d.reason), 'read-only', "the event dropped the tenant's copy too");
  });

  it('follows a plan change by its signed event, typed, and refuses a forged one', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    assert.equal((await app.entitlements.check(id, 'sso')).allowed, false);
    await customer(id, { action: 'ChangePlan', planId: 'enterprise' });
    await stack.settle();
    await until(async () => (received.some((e) => e.type === 'subscription.plan_changed' && e.data.subscriptionId === id) ? true : undefined), 'the event');
    assert.deepEqual(await app.entitlements.check(id, 'sso').then((d) => [d.allowed, d.entitlement?.planId]), [true, 'enterprise']);
    const forged = JSON.stringify({ type: 'subscription.unsubscribed', timestamp: new Date().toISOString(), data: { subscriptionId: id } });
    const answer = await fetch(`http://127.0.0.1:${(product.server.address() as { port: number }).port}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'evt_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,Zm9yZ2Vk',
      },
      body: forged,
    });
    assert.equal(answer.status, 400);
    assert.equal(app.entitlements.cached(id)?.entitlement?.status, 'Subscribed', 'the forged event changed nothing');
  });

  it('takes an answer that is not JSON (a proxy error page) as the publisher unreachable: unverified, usage kept', async () => {
    const proxy = Fastify();
    proxy.all('/*', async (_request, reply) => reply.status(502).type('text/html').send('<html>Bad gateway</html>'));
    const url = await proxy.listen({ host: '127.0.0.1', port: 0 });
    try {
      const behind = { baseUrl: url, apiKey: APP_API_KEY };
      assert.deepEqual(await new Entitlements(behind, { refreshMs: 0 }).check('00000000-0000-4000-8000-000000000000'), {
        allowed: false,
        reason: 'unverified',
      });
      const errors: Error[] = [];
      const recorder = await UsageRecorder.open(behind, { flushIntervalMs: 60_000, onError: (error) => errors.push(error) });
      await recorder.record({ subscriptionId: '00000000-0000-4000-8000-000000000000', dimension: 'api_calls', quantity: 1 });
      await recorder.flush();
      assert.deepEqual([recorder.waiting, errors.length], [1, 1]);
      await recorder.close();
    } finally {
      await proxy.close();
    }
  });

  it('with events lost, never answers from a copy older than its bound, and refreshes it with a conditional read', async () => {
    const lonely = new Entitlements(connection(), { maxStalenessMs: 10_000, refreshMs: 0, features: FEATURES, now: () => now });
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    assert.equal((await lonely.check(id)).entitlement?.planId, 'pro');
    await customer(id, { action: 'ChangePlan', planId: 'enterprise' });
    await stack.settle();
    assert.equal(lonely.cached(id)?.entitlement?.planId, 'pro', 'within the bound the copy answers (no event reached this cache)');
    now += 10_001;
    assert.equal(lonely.cached(id), undefined, 'past the bound the copy is not trusted');
    assert.equal((await lonely.check(id, 'sso')).entitlement?.planId, 'enterprise');
    now += 10_001;
    await lonely.check(id);
    assert.deepEqual(lonely.reads, { fresh: 2, unchanged: 1, failed: 0 }, 'an unchanged entitlement came back as 304, without a body');
    lonely.close();
  });

  it('through a publisher outage: a fresh copy answers, a stale one is refused as unverified, usage waits and is sent after', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    await app.entitlements.check(id);
    relay.cut();
    try {
      assert.equal((await app.entitlements.check(id)).allowed, true, 'a copy within the bound');
      now += 60_001;
      assert.deepEqual(await app.entitlements.check(id), { allowed: false, reason: 'unverified' }, 'no grant that cannot be justified');
      const keys = await Promise.all([1, 2, 3].map((quantity) => app.usage.record({ subscriptionId: id, dimension: 'api_calls', quantity })));
      await app.usage.flush();
      assert.equal(app.usage.waiting, 3, 'kept while the publisher cannot be reached');
      relay.restore();
      // The next send after the outage may meet a connection the cut left dead: the recorder sends again.
      await until(async () => {
        await app.usage.flush();
        return app.usage.waiting === 0 ? true : undefined;
      }, 'the waiting usage to be sent');
      const stored = await stack.publisher.publisher.store.usage.recordsOf(id, 10);
      assert.deepEqual(stored.map((r) => r.idempotency_key).sort(), [...keys].sort());
    } finally {
      relay.restore();
    }
  });

  it('keeps acknowledged usage in its journal across a restart, and a resend is a duplicate, never billed twice', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    const journal = path.join(scratch, 'usage.jsonl');
    relay.cut();
    const first = await UsageRecorder.open(connection(), { journal, flushIntervalMs: 60_000, retryMs: 1 });
    const keys = [
      await first.record({ subscriptionId: id, dimension: 'api_calls', quantity: 7.25 }),
      await first.record({ subscriptionId: id, dimension: 'api_calls', quantity: 1 }),
    ];
    await first.close();
    relay.restore();
    const second = await UsageRecorder.open(connection(), { journal, flushIntervalMs: 60_000, retryMs: 1 });
    assert.equal(second.waiting, 2, 'taken up from the journal');
    await until(async () => {
      await second.flush();
      return second.waiting === 0 ? true : undefined;
    }, 'the journal to be sent');
    assert.deepEqual([second.waiting, second.counts.accepted], [0, 2]);
    await second.close();
    assert.equal(readFileSync(journal, 'utf8'), '', 'everything answered for: the journal starts over instead of growing');
    const third = await UsageRecorder.open(connection(), { journal, flushIntervalMs: 60_000 });
    assert.equal(third.waiting, 0, 'nothing answered for is sent again');
    await third.record({ subscriptionId: id, dimension: 'api_calls', quantity: 7.25, idempotencyKey: keys[0] });
    await third.flush();
    assert.deepEqual(third.counts, { accepted: 0, duplicates: 1, refused: 0 });
    await third.close();
  });

  it('tells of a refused record four ways: its outcome, an event, the counts and a log line; never as recorded', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    const lines: string[] = [];
    const refused = await UsageRecorder.open(connection(), { flushIntervalMs: 60_000, log: (line) => lines.push(line) });
    const heard: string[] = [];
    refused.on('refused', (refusal) => heard.push(refusal.code));
    const bad = await refused.record({ subscriptionId: id, dimension: 'no_such_dimension', quantity: 1 });
    const good = await refused.record({ subscriptionId: id, dimension: 'api_calls', quantity: 1 });
    assert.deepEqual(await refused.outcome(bad), {
      status: 'refused',
      code: 'UnknownDimension',
      field: 'dimension',
      message: "Plan pro does not meter 'no_such_dimension'",
    });
    const accepted = await refused.outcome(good);
    assert.equal(accepted.status, 'accepted');
    assert.deepEqual(heard, ['UnknownDimension']);
    assert.deepEqual([refused.counts.refused, refused.refusals[0]?.field, refused.waiting], [1, 'dimension', 0]);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /usage refused by the publisher \(UnknownDimension, dimension\): Plan pro does not meter/);
    await refused.close();
  });

  it('acts on an event once: a replay of a genuine event within its five minutes runs no handler and keeps the cache (N7)', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    const deliveries: { headers: Record<string, string>; body: string }[] = [];
    const recorder = Fastify();
    recorder.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    recorder.post('/events', async (request) => {
      deliveries.push({ headers: request.headers as Record<string, string>, body: request.body as string });
      return {};
    });
    const recorderUrl = await recorder.listen({ host: '127.0.0.1', port: 0 });
    const capturing = await startTestStack({ publisher: { events: { url: `${recorderUrl}/events`, secret: EVENT_SECRET } } });
    try {
      const captured = await capturing.buyAndActivate({ planId: 'pro', quantity: 2 });
      await until(async () => deliveries.find((d) => d.body.includes(captured)), 'a genuine event');
      const genuine = deliveries.find((d) => d.body.includes(captured))!;
      const listener = await connect({ ...connection(), eventsSecret: EVENT_SECRET, entitlements: { refreshMs: 0, features: FEATURES } });
      const handled: string[] = [];
      listener.events!.on('*', (_event, eventId) => void handled.push(eventId));
      await listener.entitlements.check(id);
      await listener.events!.handle(genuine.headers, genuine.body);
      await listener.entitlements.check(id);
      const readsAfterFirst = listener.entitlements.reads.fresh;
      for (let i = 0; i < 5; i++) await listener.events!.handle(genuine.headers, genuine.body);
      assert.equal(handled.length, 1, 'the handlers ran once');
      assert.equal(listener.events!.duplicates, 5);
      await listener.entitlements.check(id);
      assert.equal(listener.entitlements.reads.fresh, readsAfterFirst, 'a replay no longer empties the cache');
      await listener.close();
    } finally {
      await capturing.close();
      await recorder.close();
    }
  });
});

describe('usage under a moved marketplace clock', () => {
  it("is billed on the publisher's clock: the product stamps its own time, the publisher reads it by Sent-At", async () => {
    const clock = new OffsetClock();
    clock.advance(3 * 24 * 3_600_000 + 17 * 60_000);
    const stack = await startTestStack({ marketplace: { clock }, publisher: { meteringClock: clock } });
    try {
      const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
      const app = await connect({ baseUrl: stack.publisherUrl, apiKey: APP_API_KEY, usage: { flushIntervalMs: 60_000 } });
      const key = await app.usage.record({ subscriptionId: id, dimension: 'api_calls', quantity: 3 });
      const outcome = await app.usage.outcome(key);
      assert.equal(outcome.status, 'accepted', JSON.stringify(outcome));
      const [stored] = await stack.publisher.publisher.store.usage.recordsOf(id, 1);
      assert.equal((outcome as { billingHour: string }).billingHour, usageHour(stored!.occurred_at));
      assert.ok(
        Math.abs(Date.parse(stored!.occurred_at) - clock.now().getTime()) < 60_000,
        `stored at ${stored!.occurred_at}, publisher time ${clock.now().toISOString()}`,
      );
      await app.close();
    } finally {
      await stack.close();
    }
  });
});
