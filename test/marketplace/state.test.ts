// State snapshots: GET /simulator/state and PUT /simulator/state round-trip every table on both
// dialects (generated states), a state made by real traffic carries over to another emulator, a kept
// document of the first version still imports, and a wrong document is refused whole, naming its field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DEMO_CATALOG, STATE_FORMAT, type MarketplaceState } from '@saas-fulfillment/marketplace';
import { testDialects } from '../helpers/databases.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { repositoryRoot } from '../helpers/paths.js';

const PLANS = DEMO_CATALOG.publishers[0]!.offers[0]!.plans;
const OFFER = DEMO_CATALOG.publishers[0]!.offers[0]!.offerId;
const instant = fc.date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const identity = fc.record(
  {
    emailId: fc.constantFrom('buyer@contoso.example', 'ana@fabrikam.example'),
    objectId: fc.uuid({ version: 4 }),
    tenantId: fc.uuid({ version: 4 }),
    puid: fc.stringMatching(/^[0-9A-F]{16}$/),
  },
  { requiredKeys: [] },
);

/** A subscription and what hangs off it: tokens, operations with deliveries and their attempts, usage. */
const subscriptionTree = fc
  .record({
    id: fc.uuid({ version: 4 }),
    plan: fc.constantFrom(...PLANS),
    quantity: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
    name: text,
    status: fc.constantFrom('PendingFulfillmentStart', 'Subscribed', 'Suspended', 'Unsubscribed' as const),
    beneficiary: identity,
    purchaser: identity,
    termUnit: fc.constantFrom('P1M', 'P1Y', 'P2Y', 'P3Y'),
    termStart: fc.option(instant, { nil: undefined }),
    termEnd: fc.option(instant, { nil: undefined }),
    flags: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
    allowed: fc.subarray(['Read', 'Update', 'Delete'] as const),
    sandboxType: fc.constantFrom('None', 'Csp' as const),
    created: instant,
    suspendedAt: fc.option(instant, { nil: undefined }),
    tokens: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), { maxLength: 2 }),
    operations: fc.array(
      fc.record({
        id: fc.uuid({ version: 4 }),
        action: fc.constantFrom('Subscribe', 'ChangePlan', 'ChangeQuantity', 'Suspend', 'Reinstate', 'Unsubscribe', 'Renew' as const),
        status: fc.constantFrom('NotStarted', 'InProgress', 'Failed', 'Succeeded', 'Conflict' as const),
        source: fc.constantFrom('Azure', 'Partner' as const),
        timeStamp: instant,
        completesAt: fc.option(instant, { nil: undefined }),
        errorMessage: fc.option(text, { nil: undefined }),
        deliveries: fc.array(
          fc.record({
            id: fc.uuid({ version: 4 }),
            status: fc.constantFrom('Pending', 'Delivered', 'Rejected', 'Abandoned' as const),
            payload: fc.json({ maxDepth: 2 }).filter((json) => json.length >= 2),
            nextAttemptAt: instant,
            lastStatusCode: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
            lastError: fc.option(text, { nil: undefined }),
            attempts: fc.array(
              fc.record({ at: instant, statusCode: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }), latencyMs: fc.nat(60_000) }),
              {
                maxLength: 3,
              },
            ),
          }),
          { maxLength: 2 },
        ),
      }),
      { maxLength: 3 },
    ),
    usage: fc.uniqueArray(
      fc.record({ id: fc.uuid({ version: 4 }), quantity: fc.double({ min: 0.000001, max: 1e12, noNaN: true, noDefaultInfinity: true }), hour: fc.nat(50_000) }),
      { maxLength: 3, selector: (u) => u.hour },
    ),
  })
  .map((t) => toRows(t));

function toRows(t: {
  id: string;
  plan: (typeof PLANS)[number];
  quantity: number | undefined;
  name: string;
  status: 'PendingFulfillmentStart' | 'Subscribed' | 'Suspended' | 'Unsubscribed';
  beneficiary: object;
  purchaser: object;
  termUnit: string;
  termStart: string | undefined;
  termEnd: string | undefined;
  flags: [boolean, boolean, boolean];
  allowed: ('Read' | 'Update' | 'Delete')[];
  sandboxType: 'None' | 'Csp';
  created: string;
  suspendedAt: string | undefined;
  tokens: string[];
  operations: {
    id: string;
    action: string;
    status: string;
    source: string;
    timeStamp: string;
    completesAt?: string | undefined;
    errorMessage?: string | undefined;
    deliveries: {
      id: string;
      status: string;
      payload: string;
      nextAttemptAt: string;
      lastStatusCode?: number | undefined;
      lastError?: string | undefined;
      attempts: { at: string; statusCode?: number | undefined; latencyMs: number }[];
    }[];
  }[];
  usage: { id: string; quantity: number; hour: number }[];
}) {
  const subscription = {
    id: t.id,
    publisherId: 'contoso',
    offerId: OFFER,
    planId: t.plan.planId,
    quantity: t.quantity,
    name: t.name,
    status: t.status,
    beneficiary: t.beneficiary,
    purchaser: t.purchaser,
    termUnit: t.termUnit,
    termStart: t.termStart,
    termEnd: t.termEnd,
    autoRenew: t.flags[0],
    isTest: t.flags[1],
    isFreeTrial: t.flags[2],
    allowedCustomerOperations: t.allowed,
    sandboxType: t.sandboxType,
    sessionMode: 'None',
    created: t.created,
    lastModified: t.created,
    suspendedAt: t.suspendedAt,
    azureSubscriptionId: t.id,
    resourceGroup: 'rg-saas',
  };
  const operations = t.operations.map((o) => ({
    id: o.id,
    subscriptionId: t.id,
    publisherId: 'contoso',
    offerId: OFFER,
    activityId: o.id,
    action: o.action,
    status: o.status,
    planId: t.plan.planId,
    quantity: t.quantity,
    source: o.source,
    timeStamp: o.timeStamp,
    completesAt: o.completesAt,
    errorMessage: o.errorMessage,
  }));
  const deliveries = t.operations.flatMap((o) =>
    o.deliveries.map((d) => ({
      id: d.id,
      operationId: o.id,
      subscriptionId: t.id,
      publisherId: 'contoso',
      url: 'http://127.0.0.1:9/webhook',
      payload: d.payload,
      status: d.status,
      attempts: d.attempts.length,
      nextAttemptAt: d.nextAttemptAt,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      lastLatencyMs: d.attempts.at(-1)?.latencyMs,
      created: o.timeStamp,
      finishedAt: d.status === 'Pending' ? undefined : d.nextAttemptAt,
      attemptLog: d.attempts.map((a, i) => ({ attempt: i + 1, at: a.at, statusCode: a.statusCode, error: undefined, latencyMs: a.latencyMs })),
    })),
  );
  const hour = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString();
  const usage = t.usage.map((u) => ({
    usageEventId: u.id,
    publisherId: 'contoso',
    resourceId: t.id,
    offerId: OFFER,
    planId: t.plan.planId,
    dimension: 'api_calls',
    hour: hour(u.hour),
    effectiveStartTime: hour(u.hour),
    quantity: u.quantity,
    messageTime: hour(u.hour + 1),
  }));
  const landingTokens = t.tokens.map((tokenHash) => ({ tokenHash, subscriptionId: t.id, expiresAt: t.created }));
  return { subscription, operations, deliveries, usage, landingTokens };
}

/** Ids are unique across the whole state (fast-check makes each tree's own unique; these, across trees). */
const uniqueTrees = fc
  .uniqueArray(subscriptionTree, {
    maxLength: 6,
    selector: (t) => t.subscription.id,
  })
  .filter((trees) => {
    const ids = trees.flatMap((t) => [
      ...t.operations.map((o) => o.id),
      ...t.deliveries.map((d) => d.id),
      ...t.usage.map((u) => u.usageEventId),
      ...t.landingTokens.map((l) => l.tokenHash),
    ]);
    return new Set(ids).size === ids.length;
  });

const inbox = fc.uniqueArray(
  fc.record(
    {
      id: fc.uuid({ version: 4 }),
      publisherId: fc.constant('contoso'),
      receivedAt: instant,
      operationId: fc.uuid({ version: 4 }),
      action: fc.constantFrom('Subscribe', 'Suspend'),
      payload: fc.json({ maxDepth: 1 }),
      refusedBecause: text,
      answer: fc.constantFrom('ok', 'reject', 'timeout', 'patch-success', 'patch-failure' as const),
      statusCode: fc.integer({ min: 200, max: 504 }),
      acknowledgement: text,
    },
    { requiredKeys: ['id', 'publisherId', 'receivedAt', 'payload', 'answer'] },
  ),
  { maxLength: 3, selector: (e) => e.id },
);

function stateOf(trees: ReturnType<typeof toRows>[], entries: unknown[], offsetMs: number, webhookUrl: string | undefined): MarketplaceState {
  return {
    format: STATE_FORMAT,
    version: 1,
    exportedAt: '2026-12-06T12:00:00.000Z',
    clock: { offsetMs },
    endpoints: webhookUrl ? { contoso: { webhookUrl } } : {},
    subscriptions: trees.map((t) => t.subscription),
    landingTokens: trees.flatMap((t) => t.landingTokens),
    operations: trees.flatMap((t) => t.operations),
    deliveries: trees.flatMap((t) => t.deliveries),
    inbox: entries,
    usage: trees.flatMap((t) => t.usage),
  } as MarketplaceState;
}

/** The tables as JSON would carry them, each sorted by its key in JavaScript (PostgreSQL's collation orders text its own way). */
function comparable(state: MarketplaceState) {
  const plain = JSON.parse(JSON.stringify(state)) as MarketplaceState;
  const by = <T>(rows: T[], key: (row: T) => string) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    clock: plain.clock,
    endpoints: plain.endpoints,
    subscriptions: by(plain.subscriptions, (s) => s.id),
    landingTokens: by(plain.landingTokens, (t) => t.tokenHash),
    operations: by(plain.operations, (o) => o.id),
    deliveries: by(plain.deliveries, (d) => d.id),
    inbox: by(plain.inbox, (e) => e.id),
    usage: by(plain.usage, (u) => u.usageEventId),
  };
}

for (const dialect of await testDialects()) {
  describe(`state snapshots on ${dialect}`, () => {
    let mp: TestMarketplace;
    before(async () => {
      mp = await startTestMarketplace({ dialect, runWorker: false });
    });
    after(() => mp.close());

    it('round-trips every table: what PUT /simulator/state stored, GET gives back (generated states)', async () => {
      await fc.assert(
        fc.asyncProperty(
          uniqueTrees,
          inbox,
          fc.nat(10_000_000_000),
          fc.option(fc.constant('http://127.0.0.1:9/hook'), { nil: undefined }),
          async (trees, entries, offsetMs, webhookUrl) => {
            const state = stateOf(trees, entries, offsetMs, webhookUrl);
            const put = await mp.http('PUT', '/simulator/state', { body: state });
            assert.equal(put.status, 200, put.text);
            const got = await mp.http('GET', '/simulator/state');
            assert.equal(got.status, 200);
            assert.deepEqual(comparable(got.body as MarketplaceState), comparable(state));
          },
        ),
        { numRuns: dialect === 'sqlite' ? 40 : 15 },
      );
    });
  });
}

describe('a state made by real traffic', () => {
  let source: TestMarketplace;
  let target: TestMarketplace;
  before(async () => {
    [source, target] = await Promise.all([startTestMarketplace(), startTestMarketplace()]);
  });
  after(async () => {
    await Promise.all([source.close(), target.close()]);
  });

  it('carries over to another emulator: subscriptions, pending operations, landing tokens, usage and the clock answer the same', async () => {
    const active = await source.subscribe({ planId: 'pro', quantity: 4 });
    const pending = await source.purchase({ planId: 'basic', quantity: undefined });
    const change = await source.http('POST', `/simulator/subscriptions/${active}/actions`, { body: { action: 'ChangePlan', planId: 'enterprise' } });
    assert.equal(change.status, 202);
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString();
    const usage = await source.api('POST', '/usageEvent', {
      body: { resourceId: active, quantity: 2.5, dimension: 'api_calls', effectiveStartTime: hour, planId: 'pro' },
    });
    assert.equal(usage.status, 200, usage.text);
    await source.http('POST', '/simulator/clock', { body: { advanceBy: 'PT10M' } });

    const state = (await source.http('GET', '/simulator/state')).body as MarketplaceState;
    const put = await target.http('PUT', '/simulator/state', { body: state });
    assert.equal(put.status, 200, put.text);

    for (const path of [`/saas/subscriptions/${active}`, `/saas/subscriptions/${pending.subscriptionId}`, `/saas/subscriptions/${active}/operations`]) {
      const [a, b] = await Promise.all([source.api('GET', path), target.api('GET', path)]);
      assert.equal(b.status, 200, b.text);
      assert.deepEqual(b.body, a.body, path);
    }
    const resolved = await target.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': pending.token } });
    assert.equal(resolved.status, 200, 'the landing token made before the export resolves after the import');
    const query = { usageStartDate: hour.slice(0, 10) };
    const [sent, read] = await Promise.all([source.api('GET', '/usageEvents', { query }), target.api('GET', '/usageEvents', { query })]);
    assert.equal((read.body as { submittedQuantity: number }[])[0]?.submittedQuantity, 2.5, read.text);
    assert.deepEqual(read.body, sent.body);
    const clock = (await target.http('GET', '/simulator/clock')).body as { offsetMs: number };
    assert.ok(clock.offsetMs >= 600_000, 'the clock came with the state');
  });

  it('a document kept from the first version imports into this one, and the API answers from it', async () => {
    const kept = JSON.parse(readFileSync(path.join(repositoryRoot, 'test/fixtures/marketplace-state-v1.json'), 'utf8')) as MarketplaceState;
    const put = await target.http('PUT', '/simulator/state', { body: kept });
    assert.equal(put.status, 200, put.text);
    const [subscription] = kept.subscriptions;
    const got = await target.api('GET', `/saas/subscriptions/${subscription!.id}`);
    assert.equal(got.status, 200);
    assert.equal((got.body as { saasSubscriptionStatus: string }).saasSubscriptionStatus, subscription!.status);
  });
});

describe('a wrong state document', () => {
  let mp: TestMarketplace;
  let good: MarketplaceState;
  before(async () => {
    mp = await startTestMarketplace({ runWorker: false });
    await mp.subscribe();
    good = (await mp.http('GET', '/simulator/state')).body as MarketplaceState;
  });
  after(() => mp.close());

  const cases: [string, (state: MarketplaceState) => unknown, number, string][] = [
    ['another kind of file', () => ({ publishers: [] }), 400, 'format'],
    ['a later version', (s) => ({ ...s, version: 99 }), 400, 'version'],
    ['an impossible date', (s) => ({ ...s, subscriptions: [{ ...s.subscriptions[0], termEnd: '2026-02-30T00:00:00.000Z' }] }), 400, 'subscriptions[0].termEnd'],
    ['a time not in UTC', (s) => ({ ...s, subscriptions: [{ ...s.subscriptions[0], created: '2026-02-03T10:00:00+02:00' }] }), 400, 'subscriptions[0].created'],
    ['seats beyond what the tables hold', (s) => ({ ...s, subscriptions: [{ ...s.subscriptions[0], quantity: 1e300 }] }), 400, 'subscriptions[0].quantity'],
    ['a clock moved past any date', (s) => ({ ...s, clock: { offsetMs: 1e300 } }), 400, 'clock.offsetMs'],
    ['an unknown top-level field, named', (s) => ({ ...s, extra: true }), 400, 'extra'],
    ['an operation of a subscription it does not hold', (s) => ({ ...s, subscriptions: [] }), 400, 'landingTokens[0].subscriptionId'],
    ['a repeated id', (s) => ({ ...s, subscriptions: [s.subscriptions[0], s.subscriptions[0]] }), 400, 'subscriptions[1]'],
    ['a plan this catalog lacks', (s) => ({ ...s, subscriptions: [{ ...s.subscriptions[0], planId: 'platinum' }] }), 409, 'catalog'],
  ];
  for (const [what, change, status, target] of cases) {
    it(`is refused whole: ${what} (${status}, naming ${target})`, async () => {
      const response = await mp.http('PUT', '/simulator/state', { body: change(good) });
      assert.equal(response.status, status, response.text);
      assert.equal((response.body as { target: string }).target, target, response.text);
      const after = (await mp.http('GET', '/simulator/state')).body as MarketplaceState;
      assert.equal(after.subscriptions.length, 1, 'nothing was replaced');
    });
  }

  it('past the size the docs promise (32 MiB of state, 16 MiB of seed), is refused with a 413 naming the limit, unread (N12)', async () => {
    for (const [route, limit] of [
      ['/simulator/state', '32 MiB'],
      ['/simulator/seed', '16 MiB'],
    ] as const) {
      const bytes = route.endsWith('state') ? 33 * 1024 * 1024 : 17 * 1024 * 1024;
      const started = Date.now();
      const response = await fetch(`${mp.url}${route}`, {
        method: route.endsWith('state') ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"padding":"${'x'.repeat(bytes)}"}`,
      });
      const body = (await response.json()) as { code: string; message: string; target: string };
      assert.equal(response.status, 413, JSON.stringify(body));
      assert.equal(body.target, 'body');
      assert.match(body.message, new RegExp(`larger than ${limit}`));
      assert.ok(Date.now() - started < 10_000, 'refused without reading it for long');
    }
    const after = (await mp.http('GET', '/simulator/state')).body as MarketplaceState;
    assert.equal(after.subscriptions.length, 1, 'nothing was replaced');
  });

  it('is taken when large: a thousand subscriptions in one document (far above the API body limit)', async () => {
    const [first] = good.subscriptions;
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...first!, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    const response = await mp.http('PUT', '/simulator/state', {
      body: { ...good, subscriptions: many, landingTokens: [], operations: [], deliveries: [], usage: [] },
    });
    assert.equal(response.status, 200, response.text);
    assert.equal((response.body as { imported: { subscriptions: number } }).imported.subscriptions, 1000);
  });
});
