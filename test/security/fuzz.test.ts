// Generated requests against every route of both apps (fast-check): odd path ids, repeated and malformed
// query fields, every content type, garbage and well-formed bodies, forged and real credentials. Whatever
// arrives, the answer is never a 5xx, the process does not fall over, and a refused request (4xx) changes
// nothing that is stored. A fixed seed runs every time; a random one too, printed by fast-check on failure.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DEV_PUBLISHER } from '../helpers/marketplace.js';
import { routesOf, type Route } from '../helpers/routes.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { hiddenFields, type WebSession } from '../helpers/web-session.js';
import { capturingLogger } from '../helpers/logs.js';

// Bounded for CI; FUZZ_RUNS=5000 for a longer hunt on your machine.
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const FIXED_SEED = Number(process.env.FUZZ_SEED ?? 20_261_125);

const FIELD_NAMES = [
  'q',
  'status',
  'planId',
  'page',
  'next',
  'token',
  'limit',
  'subscriptionId',
  'api-version',
  'error',
  'notice',
  'for',
  'code',
  'state',
  'ticket',
  'tenantId',
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'grant_type',
  'client_secret',
  'password',
  'quantity',
  'action',
  'advanceBy',
  'offerId',
  'form',
  'cancel',
  'count',
  'pathPattern',
  'webhookUrl',
  'landingPageUrl',
  'answer',
  'login_email',
  'day',
  'timestamp',
  'dimension',
  'usageStartDate',
  'usageEndDate',
  'effectiveStartTime',
];
const odd = fc.constantFrom(
  '',
  ' ',
  '1e400',
  '-1',
  '0',
  'NaN',
  'null',
  '[]',
  '{}',
  '%00',
  '..',
  '%2e%2e%2f',
  '<script>',
  "'; drop table x;--",
  'a'.repeat(600),
  '٣',
  '😀',
);

/** Dates and times that look valid and name no instant: a leap second, month 13, day 0, February 30th, 24:00, year 0000, offsets out of range. */
const impossibleDates = fc.constantFrom(
  '2026-12-04T23:59:60Z',
  '2026-13-01',
  '2026-13-01T00:00:00Z',
  '2026-01-00T00:00:00Z',
  '2026-02-30',
  '2026-02-30T10:00:00Z',
  '2026-01-01T24:00:00Z',
  '0000-00-00',
  '0000-01-01T00:00:00Z',
  '9999-99-99',
  '9999-12-31T23:59:59Z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00-00:60',
  '2026-12-05T10:00:00.1234567890Z',
);

/** Numbers at the edges of exact quantities: a seventh decimal, the ceiling and just past it, 2^53 and beyond, a subnormal. */
const edgeQuantities = fc.constantFrom(0.0000001, 0.1, 999_999_999.999999, 1_000_000_000, 2 ** 53 + 1, 1e15, 1e21, 5e-324, -0);

interface Fuzzed {
  route: Route;
  params: string[];
  query: [string, string][];
  contentType: string | undefined;
  body: string | undefined;
  credentials: 'none' | 'admin' | 'forged';
  withFormToken: boolean;
  origin: string | undefined;
  apiVersion: boolean;
  /** A value sent in the query and the body that must never appear in a log line. */
  canary: string;
}

function requestsFor(routes: Route[], knownIds: () => string[]): fc.Arbitrary<Fuzzed> {
  const value = fc.oneof(
    odd,
    impossibleDates,
    fc.string({ maxLength: 40 }),
    fc.uuid(),
    fc.constantFrom(...knownIds(), DEV_PUBLISHER.tenantId, 'contoso', 'pro', 'P1D', 'api_calls'),
  );
  const object = fc.dictionary(
    fc.constantFrom(...FIELD_NAMES),
    fc.oneof(value, fc.integer(), fc.double(), edgeQuantities, fc.boolean(), fc.constant(null), fc.array(value, { maxLength: 2 })),
  );
  const json = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    object.map((o) => JSON.stringify(o)),
    // A batch (usage records, usage events) whose records are the dictionaries above.
    fc.array(object, { minLength: 1, maxLength: 3 }).map((list) => JSON.stringify(list)),
    fc.string({ maxLength: 60 }),
  );
  const form = fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), value), { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString());
  return fc.record({
    route: fc.constantFrom(...routes),
    params: fc.array(value, { minLength: 3, maxLength: 3 }),
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 8 })), value), { maxLength: 6 }),
    contentType: fc.constantFrom(
      undefined,
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
    ),
    body: fc.option(fc.oneof(json, form), { nil: undefined }),
    credentials: fc.constantFrom('none', 'admin', 'forged'),
    withFormToken: fc.boolean(),
    origin: fc.constantFrom(undefined, undefined, 'http://evil.example', 'null'),
    apiVersion: fc.boolean(),
    canary: fc.uuid().map((id) => `canary-${id}`),
  });
}

describe('fuzzed requests to every route of both apps', () => {
  let stack: TestStack;
  let admin: WebSession;
  let adminToken: string;
  let simulatorToken: { cookie: string; token: string };
  const knownIds: string[] = [];
  const logs = capturingLogger();

  before(async () => {
    // No background workers: between two snapshots, only the request in between can change anything.
    stack = await startTestStack({ marketplace: { runWorker: false, logger: logs.logger }, publisher: { runWorker: false, logger: logs.logger } });
    for (const planId of ['pro', 'enterprise']) knownIds.push(await stack.mp.subscribe({ planId, quantity: planId === 'pro' ? 2 : 10 }));
    knownIds.push((await stack.mp.purchase({ planId: 'pro', quantity: 1 })).subscriptionId);
    await stack.publisher.publisher.fulfillment.projection.reconcile();
    admin = await stack.admin();
    adminToken = hiddenFields((await admin.get('/admin')).text, '/admin/logout')._csrf!;
    const page = await fetch(`${stack.mp.url}/subscriptions`);
    simulatorToken = {
      cookie: page.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
      token: /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!,
    };
  });
  after(() => stack.close());

  /** What both apps hold, as plain data: equal before and after a refused request. */
  async function snapshot(): Promise<string> {
    const mp = stack.mp.app.marketplace;
    const pub = stack.publisher.publisher.store;
    const subscriptions = await mp.store.recentSubscriptions(1000);
    return JSON.stringify({
      subscriptions,
      operations: await Promise.all(subscriptions.map((s) => mp.store.listOperations(s.id))),
      deliveries: await mp.store.listDeliveries({ limit: 1000 }),
      // The built-in inbox logs the posts it turns away (bounded): a log, not state.
      inbox: (await mp.store.listInbox({ limit: 1000 })).filter((entry) => !entry.refusedBecause),
      clock: mp.clock.offset,
      endpoints: mp.endpoints.list(),
      local: (await pub.findSubscriptions({ offset: 0, limit: 1000 })).items,
      jobs: (await pub.jobs.list({ limit: 1000 })).map(({ id, kind, status, payload }) => ({ id, kind, status, payload })),
      audit: await pub.auditOf({ limit: 1000 }),
    });
  }

  function send(base: string, isPublisher: boolean, r: Fuzzed): Promise<Response> {
    let i = 0;
    const path = r.route.path.replace(/:[A-Za-z]+/g, () => encodeURIComponent(r.params[i++] ?? 'x'));
    const query = new URLSearchParams([...r.query, ['password', r.canary]]);
    if (r.apiVersion) query.append('api-version', '2018-08-31');
    const headers: Record<string, string> = {};
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.origin) headers.origin = r.origin;
    if (r.credentials === 'forged') {
      headers.authorization = 'Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.';
      headers.cookie = 'session=forged.signature; _csrf=forged';
    }
    if (r.credentials === 'admin') headers.cookie = isPublisher ? admin.cookie : simulatorToken.cookie;
    let body = r.route.method === 'GET' ? undefined : r.body;
    if (body !== undefined && r.contentType === 'application/x-www-form-urlencoded') {
      body += `&password=${r.canary}`;
      if (r.withFormToken) body += `&_csrf=${encodeURIComponent(isPublisher ? adminToken : simulatorToken.token)}`;
    }
    return fetch(`${base}${path}${query.size ? `?${query}` : ''}`, {
      method: r.route.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
  }

  const property = (isPublisher: boolean) =>
    fc.asyncProperty(
      requestsFor(routesOf(isPublisher ? stack.publisher : stack.mp.app), () => knownIds),
      async (request) => {
        const before = await snapshot();
        const response = await send(isPublisher ? stack.publisherUrl : stack.mp.url, isPublisher, request);
        const text = await response.text();
        const what = `${request.route.method} ${request.route.path} -> ${response.status} ${text.slice(0, 300)}`;
        assert.ok(response.status < 500 || /InjectedFault/.test(text), what);
        if (response.status >= 400) assert.equal(await snapshot(), before, `a refused request changed state: ${what}`);
        await fetch(`${stack.mp.url}/simulator/faults`, { method: 'DELETE' });
        assert.equal((await fetch(`${isPublisher ? stack.publisherUrl : stack.mp.url}/healthz`)).status, 200, 'still answering');
      },
    );

  for (const [name, isPublisher] of [
    ['the publisher', true],
    ['the emulator', false],
  ] as const) {
    it(`${name}: no 5xx, no crash, no change from a refused request (fixed seed)`, { timeout: 300_000 }, async () => {
      await fc.assert(property(isPublisher), { numRuns: RUNS, seed: FIXED_SEED, endOnFailure: true });
    });
    it(`${name}: the same with a new seed each run (fast-check prints it on failure)`, { timeout: 300_000 }, async () => {
      await fc.assert(property(isPublisher), { numRuns: RUNS, endOnFailure: true });
    });
  }

  // After the runs above (node:test runs a suite's tests in order).
  it('wrote no request value to any log line', () => {
    const leaked = logs.lines.filter((line) => line.includes('canary-'));
    assert.deepEqual(leaked, []);
    assert.ok(logs.lines.length > 0, 'the apps did log (the check looked at something)');
  });
});
