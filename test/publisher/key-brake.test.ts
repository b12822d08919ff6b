// The brake on guessing the bearer keys (N8): an address that sends many wrong keys to the entitlement
// API, the usage API or /metrics is answered 429 with Retry-After after a few dozen, and counted; the right
// key still passes, from that address and any other, so no guesser locks the vendor's app out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';

const METRICS_TOKEN = 'metrics-token-for-this-test-0123';

describe('the brake on guessing bearer keys', () => {
  let stack: TestStack;
  let id: string;
  before(async () => {
    stack = await startTestStack({ publisher: { metricsToken: METRICS_TOKEN } });
    id = await stack.mp.subscribe({ planId: 'pro', quantity: 3 });
    await stack.publisher.publisher.fulfillment.projection.sync(id, 'test');
  });
  after(() => stack.close());

  const ask = (remoteAddress: string, key: string, url = `/api/entitlements/${id}`) =>
    stack.publisher.inject({ method: 'GET', url, remoteAddress, headers: { authorization: `Bearer ${key}` } });

  it('answers 429 with Retry-After to an address that keeps sending wrong keys, on every bearer route', async () => {
    const guesser = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await ask(guesser, `guess-${i}-0123456789abcdef`)).statusCode);
    assert.ok(
      statuses.slice(0, 30).every((s) => s === 401),
      'the first wrong keys are told they are wrong',
    );
    assert.ok(
      statuses.slice(31).every((s) => s === 429),
      `then the address is braked: ${statuses.slice(25, 40).join(' ')}`,
    );
    const braked = await ask(guesser, 'yet-another-guess-0123456789');
    assert.equal(braked.statusCode, 429);
    assert.ok(Number(braked.headers['retry-after']) > 0, 'with Retry-After');
    assert.equal(braked.json().code, 'TooManyWrongKeys');
    // One count for the address, whatever route it guesses at.
    const usage = await stack.publisher.inject({
      method: 'POST',
      url: '/api/usage',
      remoteAddress: guesser,
      headers: { authorization: 'Bearer wrong-usage-key-0123456789', 'content-type': 'application/json' },
      payload: { subscriptionId: id, dimension: 'api_calls', quantity: 1, timestamp: new Date().toISOString() },
    });
    assert.equal(usage.statusCode, 429);
    assert.equal((await ask(guesser, 'wrong-metrics-token-0123456789', '/metrics')).statusCode, 429);
  });

  it('never refuses the right key: not from the guessing address, not from another', async () => {
    assert.equal((await ask('203.0.113.7', APP_API_KEY)).statusCode, 200, 'the app behind the same address still gets in');
    assert.equal((await ask('198.51.100.20', APP_API_KEY)).statusCode, 200);
    assert.equal((await ask('198.51.100.20', 'a-first-wrong-key-0123456789')).statusCode, 401, 'another address has its own count');
  });

  it('counts the braked requests in the metrics', async () => {
    const metrics = await ask('127.0.0.1', METRICS_TOKEN, '/metrics');
    assert.equal(metrics.statusCode, 200);
    const braked = /^saas_bearer_keys_braked_total (\d+)/m.exec(metrics.body)?.[1];
    assert.ok(Number(braked) >= 70, `saas_bearer_keys_braked_total ${braked}`);
  });
});
