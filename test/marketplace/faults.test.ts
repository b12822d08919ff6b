// Faults on demand: the control API makes the next matching API calls fail or slow down, and the client
// rides them out (retries, Retry-After, timeouts) against the real emulator.
import assert from 'node:assert/strict';
import { globMatches } from '@saas-fulfillment/marketplace/internals';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ClientSecretCredential, MarketplaceClient, MarketplaceError } from '@saas-fulfillment/client';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

describe('fault injection', () => {
  let mp: TestMarketplace;
  let client: MarketplaceClient;
  let id: string;
  before(async () => {
    mp = await startTestMarketplace();
    id = await mp.subscribe();
    client = new MarketplaceClient({
      baseUrl: `${mp.url}/api`,
      credential: new ClientSecretCredential({
        tenantId: DEV_PUBLISHER.tenantId,
        clientId: DEV_PUBLISHER.clientId,
        clientSecret: DEV_PUBLISHER.clientSecret,
        authorityHost: mp.url,
      }),
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
      timeoutMs: 300,
    });
  });
  after(() => mp.close());
  beforeEach(async () => {
    await mp.http('DELETE', '/simulator/faults');
  });

  const inject = async (body: Record<string, unknown>) => {
    const r = await mp.http('POST', '/simulator/faults', { body });
    assert.equal(r.status, 201, r.text);
  };

  it('fails the next matching calls with the status asked for, then lets calls through', async () => {
    await inject({ status: 503, count: 2, pathPattern: '/saas/subscriptions/*', method: 'GET', retryAfterSeconds: 0 });
    const first = await mp.http('GET', `/api/saas/subscriptions/${id}?api-version=2018-08-31`);
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '0');
    assert.deepEqual((first.body as { error: { code: string } }).error.code, 'InjectedFault');
    assert.ok(first.headers.get('x-ms-requestid'), 'request ids are echoed on injected faults too');
    const subscription = await client.getSubscription(id);
    assert.equal(subscription.id, id, 'the client retried past the second fault');
    const remaining = (await mp.http('GET', '/simulator/faults')).body as { faults: unknown[] };
    assert.deepEqual(remaining.faults, []);
  });

  it('adds latency that a client timeout notices', async () => {
    await inject({ delayMs: 600, count: 4, method: 'GET' });
    await assert.rejects(client.getSubscription(id), (error: unknown) => error instanceof MarketplaceError && error.code === 'Timeout');
  });

  it('does not retry a plan change into an injected 500, which may have done the work', async () => {
    await inject({ status: 500, count: 1, method: 'PATCH' });
    await assert.rejects(client.changePlan(id, 'enterprise'), { status: 500, attempts: 1 });
  });

  it('refuses a fault that does nothing or has a broken pattern, naming the field', async () => {
    const nothing = await mp.http('POST', '/simulator/faults', { body: { count: 1 } });
    assert.equal(nothing.status, 400);
    const broken = await mp.http('POST', '/simulator/faults', { body: { count: 1, status: 500, pathPattern: '([' } });
    assert.equal((broken.body as { target: string }).target, 'pathPattern');
  });

  // The timeout is a bound on a hang, not a speed target: a backtracking matcher would never finish.
  it('matches paths with globs: the pattern that stalled the event loop is refused, and no glob backtracks', { timeout: 20_000 }, async () => {
    const redos = await mp.http('POST', '/simulator/faults', { body: { count: 1, status: 500, pathPattern: '(a+)+$' } });
    assert.equal(redos.status, 400, 'a regular expression is not a glob');
    assert.equal((redos.body as { target: string }).target, 'pathPattern');

    // The worst a glob can be, against the longest path still matched (what backtracks forever as a regex).
    await inject({ status: 500, count: 1, pathPattern: `/${'*a'.repeat(99)}` });
    const unmatched = await mp.http('GET', `/api/saas/subscriptions/${'a'.repeat(150)}b?api-version=2018-08-31`);
    assert.notEqual(unmatched.status, 500, 'the glob did not match');
    assert.equal(globMatches(`/${'*a'.repeat(99)}`, `/${'a'.repeat(1998)}b`), false);
    await mp.http('DELETE', '/simulator/faults');

    assert.ok(globMatches('/saas/subscriptions/*', '/saas/subscriptions/abc'));
    assert.ok(!globMatches('/saas/subscriptions/*', '/saas/subscriptions/abc/operations'), '* stays within a segment');
    assert.ok(globMatches('/saas/**/operations', '/saas/subscriptions/abc/operations'), '** crosses segments');
    assert.ok(globMatches('/saas/subscriptions/*/operations/*', '/saas/subscriptions/a/operations/b'));
    assert.ok(!globMatches('/saas/subscriptions', '/saas/subscriptions/abc'), 'the rest is literal and whole');
  });
});
