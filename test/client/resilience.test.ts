// Token caching and refresh across an injected clock, Entra's refusals explained, and retries against a
// fault-injecting server: which failures are retried, how long the client waits, and when it stops.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AuthenticationError, ClientSecretCredential, MarketplaceClient, MarketplaceError, StaticTokenCredential } from '@saas-fulfillment/client';
import { ManualClock } from '@saas-fulfillment/contract';
import { DEFAULT_RETRY } from '@saas-fulfillment/client';
import { parseRetryAfter, retryDelay } from '@saas-fulfillment/client/internals';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

describe('ClientSecretCredential', () => {
  let mp: TestMarketplace;
  let tokenRequests: number;
  const countingFetch: typeof fetch = async (input, init) => {
    if (String(input).includes('/oauth2/')) tokenRequests++;
    return fetch(input, init);
  };
  before(async () => {
    mp = await startTestMarketplace();
  });
  after(() => mp.close());
  beforeEach(() => {
    tokenRequests = 0;
  });

  const credential = (overrides: Partial<ConstructorParameters<typeof ClientSecretCredential>[0]> = {}) =>
    new ClientSecretCredential({
      tenantId: DEV_PUBLISHER.tenantId,
      clientId: DEV_PUBLISHER.clientId,
      clientSecret: DEV_PUBLISHER.clientSecret,
      authorityHost: mp.url,
      fetch: countingFetch,
      ...overrides,
    });

  it('caches the token and refreshes it five minutes before expiry', async () => {
    const clock = new ManualClock(new Date());
    const cred = credential({ clock });
    const first = await cred.getToken();
    assert.equal(await cred.getToken(), first);
    clock.advance(50 * 60_000);
    assert.equal(await cred.getToken(), first, 'still cached at 50 minutes');
    assert.equal(tokenRequests, 1);
    clock.advance(5 * 60_000);
    await cred.getToken();
    assert.equal(tokenRequests, 2, 'refreshed inside the 5-minute margin');
  });

  it('sends one token request for many concurrent callers', async () => {
    const cred = credential();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cred.getToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(tokenRequests, 1);
  });

  it('speaks to the v1 endpoint when asked', async () => {
    const client = new MarketplaceClient({ baseUrl: `${mp.url}/api`, credential: credential({ endpoint: 'v1' }) });
    for await (const _ of client.listSubscriptions()) void _;
    assert.equal(tokenRequests, 1);
  });

  it('names the cause when Entra refuses: a wrong secret', async () => {
    await assert.rejects(credential({ clientSecret: 'wrong' }).getToken(), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.status, 401);
      assert.equal(error.aadsts, 7000215);
      assert.match(error.message, /secret VALUE, not its ID/);
      return true;
    });
  });

  it('names the cause when Entra refuses: the app is not in the tenant', async () => {
    await assert.rejects(credential({ clientId: '99999999-9999-4999-8999-999999999999' }).getToken(), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.aadsts, 700016);
      assert.match(error.hint ?? '', /registered on the offer in Partner Center/);
      return true;
    });
  });
});

/** A server that answers each request with the next scripted status (then 200 `{ subscriptions: [] }`). */
async function faultyServer(): Promise<{
  url: string;
  script: (number | { status: number; headers?: Record<string, string> } | 'reset')[];
  hits: number[];
  server: Server;
}> {
  const script: (number | { status: number; headers?: Record<string, string> } | 'reset')[] = [];
  const hits: number[] = [];
  const server = createServer((request, response) => {
    hits.push(Date.now());
    const next = script.shift() ?? 200;
    if (next === 'reset') return request.socket.destroy();
    const { status, headers = {} } = typeof next === 'number' ? { status: next } : next;
    response.writeHead(status, {
      'content-type': 'application/json',
      'operation-location': 'http://x/api/saas/subscriptions/s/operations/op-1?api-version=2018-08-31',
      ...headers,
    });
    response.end(
      status < 300
        ? '{"subscriptions":[],"id":"s","status":"Succeeded"}'
        : JSON.stringify({ code: `E${status}`, message: `scripted ${status}`, target: 'thing' }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, script, hits, server };
}

describe('retries against a fault-injecting server', () => {
  let faulty: Awaited<ReturnType<typeof faultyServer>>;
  let client: MarketplaceClient;
  before(async () => {
    faulty = await faultyServer();
    client = new MarketplaceClient({
      baseUrl: faulty.url,
      credential: new StaticTokenCredential('t'),
      retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, maxElapsedMs: 5000 },
    });
  });
  after(() => faulty.server.close());
  beforeEach(() => {
    faulty.script.length = 0;
    faulty.hits.length = 0;
  });

  it('retries 500, 503 and 429 on a read, then succeeds', async () => {
    faulty.script.push(500, 503, 429);
    await client.getSubscription('s');
    assert.equal(faulty.hits.length, 4);
  });

  it('honours Retry-After', async () => {
    faulty.script.push({ status: 503, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await client.getSubscription('s');
    assert.ok(Date.now() - started >= 195, 'waited at least the capped Retry-After (maxDelayMs 200)');
    assert.equal(faulty.hits.length, 2);
  });

  it('gives up after maxAttempts with the last error', async () => {
    faulty.script.push(500, 500, 500, 502, 500);
    await assert.rejects(client.getSubscription('s'), (error: unknown) => {
      assert.ok(error instanceof MarketplaceError);
      assert.equal(error.status, 502);
      assert.equal(error.code, 'E502');
      assert.equal(error.attempts, 4);
      return true;
    });
    assert.equal(faulty.hits.length, 4);
  });

  it('never retries a 400 or a 404', async () => {
    faulty.script.push(400);
    await assert.rejects(client.getSubscription('s'), { status: 400, code: 'E400', target: 'thing' });
    faulty.script.push(404);
    await assert.rejects(client.getSubscription('s'), { status: 404 });
    assert.equal(faulty.hits.length, 2);
  });

  it('retries a 403 once with a fresh token, then stops', async () => {
    faulty.script.push(403, 403);
    await assert.rejects(client.getSubscription('s'), { status: 403, attempts: 2 });
  });

  it('retries a dropped connection on a read', async () => {
    faulty.script.push('reset', 'reset');
    await client.getSubscription('s');
    assert.equal(faulty.hits.length, 3);
  });

  it('does not retry a plan change after a 500 or a dropped connection: it may have started an operation', async () => {
    faulty.script.push(500);
    await assert.rejects(client.changePlan('s', 'pro'), { status: 500, attempts: 1 });
    faulty.script.push('reset');
    await assert.rejects(client.changeQuantity('s', 3), { code: 'NetworkError', attempts: 1 });
    assert.equal(faulty.hits.length, 2);
  });

  it('does retry a plan change refused with 429, which did nothing', async () => {
    faulty.script.push(429, { status: 202 });
    const accepted = await client.changePlan('s', 'pro');
    assert.equal(accepted.operationId, 'op-1');
    assert.equal(faulty.hits.length, 2);
  });

  it('retries a refused connection even for a plan change, and reports the network error in the end', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = new MarketplaceClient({
      baseUrl: `http://127.0.0.1:${port}/api`,
      credential: new StaticTokenCredential('t'),
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    });
    await assert.rejects(down.changePlan('s', 'pro'), (error: unknown) => {
      assert.ok(error instanceof MarketplaceError);
      assert.equal(error.code, 'NetworkError');
      assert.equal(error.attempts, 3);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
  });

  it('stops retrying once the total time budget is spent', async () => {
    const impatient = new MarketplaceClient({
      baseUrl: faulty.url,
      credential: new StaticTokenCredential('t'),
      retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 100, maxElapsedMs: 150 },
    });
    faulty.script.push(500, 500, 500, 500, 500);
    await assert.rejects(impatient.getSubscription('s'), { status: 500 });
    assert.ok(faulty.hits.length <= 3, `${faulty.hits.length} attempts within 150 ms`);
  });
});

describe('retry arithmetic', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('backs off exponentially with jitter inside the cap', () => {
    const delays = [1, 2, 3, 4, 10].map((retry) => retryDelay(retry, DEFAULT_RETRY, null, 0, () => 1));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 10_000]);
    assert.equal(
      retryDelay(1, DEFAULT_RETRY, null, 0, () => 0),
      250,
    );
  });
});
