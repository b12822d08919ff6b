// Seeds: each state a seed can put a subscription in loads, and the fulfillment and metering APIs answer
// accordingly; a seed is refused whole, naming its field, when it is wrong; reset returns to it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '@saas-fulfillment/contract';
import { DEMO_CATALOG, readDocumentFile } from '@saas-fulfillment/marketplace';
import { startMarketplace, type Seed, type TestMarketplace } from '@saas-fulfillment/marketplace/testing';
import { until } from '../helpers/wait.js';

const id = (n: number) => `00000000-5eed-4000-8000-${String(n).padStart(12, '0')}`;
const DAY = 86_400_000;
const pro = { offerId: 'contoso-saas', planId: 'pro', quantity: 5 } as const;

const SEED: Seed = {
  subscriptions: [
    { ...pro, id: id(1), landingToken: 'pending-landing-token' },
    { ...pro, id: id(2), status: 'Subscribed', termStartedDaysAgo: 10, usage: [{ dimension: 'api_calls', quantity: 1234.5, hoursAgo: 2 }] },
    { ...pro, id: id(3), status: 'Suspended', termStartedDaysAgo: 5, suspendedDaysAgo: 1 },
    { ...pro, id: id(4), status: 'Unsubscribed', termStartedDaysAgo: 3 },
    { ...pro, id: id(5), status: 'Subscribed', pendingChange: { planId: 'enterprise' } },
    { ...pro, id: id(6), status: 'Subscribed', pendingChange: { quantity: 9 } },
    { offerId: 'contoso-saas', planId: 'basic', id: id(7), status: 'Subscribed', isFreeTrial: true, termStartedDaysAgo: 1 },
  ],
};

describe('a seed', () => {
  let mp: TestMarketplace;
  before(async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'seed-'));
    const file = path.join(folder, 'seed.yaml');
    // A YAML file with comments: JSON is YAML too, so the JSON of the seed with a comment above it reads.
    writeFileSync(file, `# every state a subscription can be seeded in\n${JSON.stringify(SEED, null, 2)}\n`);
    mp = await startMarketplace({ seed: file, settings: { partnerOperationDelayMs: 0 } });
  });
  after(() => mp.close());

  it('bought, not yet activated: PendingFulfillmentStart, and its landing token resolves to it', async () => {
    const resolved = await mp.client.resolve('pending-landing-token');
    assert.equal(resolved.id, id(1));
    assert.equal(resolved.subscription.saasSubscriptionStatus, 'PendingFulfillmentStart');
    assert.equal(resolved.quantity, 5);
  });

  it('active, its term started ten days ago, with the usage already sent', async () => {
    const subscription = await mp.client.getSubscription(id(2));
    assert.equal(subscription.saasSubscriptionStatus, 'Subscribed');
    const started = Date.parse(subscription.term.startDate!);
    assert.ok(Math.abs(Date.now() - 10 * DAY - started) < 60_000, subscription.term.startDate);
    assert.ok(Date.parse(subscription.term.endDate!) > Date.now());
    const day = new Date(Date.now() - 2 * 3_600_000).toISOString().slice(0, 10);
    const usage = await mp.client.getUsageEvents({ usageStartDate: day });
    assert.equal(usage.find((u) => u.usageResourceId === id(2))?.submittedQuantity, 1234.5);
  });

  it('suspended a day ago: Suspended, and the publisher may not change it', async () => {
    assert.equal((await mp.client.getSubscription(id(3))).saasSubscriptionStatus, 'Suspended');
    await assert.rejects(mp.client.changeQuantity(id(3), 7), (error: Error & { status?: number }) => error.status === 400);
  });

  it('cancelled: Unsubscribed, not renewing', async () => {
    const subscription = await mp.client.getSubscription(id(4));
    assert.equal(subscription.saasSubscriptionStatus, 'Unsubscribed');
    assert.equal(subscription.autoRenew, false);
  });

  it('in a plan change and a seat change the publisher has yet to acknowledge: InProgress operations, their webhooks sent', async () => {
    const [plan] = await mp.client.listOperations(id(5));
    assert.equal(plan?.action, 'ChangePlan');
    assert.equal(plan?.planId, 'enterprise');
    const [seats] = await mp.client.listOperations(id(6));
    assert.equal(seats?.action, 'ChangeQuantity');
    assert.equal(seats?.quantity, 9);
    const delivered = await until(async () => {
      const deliveries = await mp.simulator.webhooks();
      return deliveries.filter((d) => d.status === 'Delivered').length === 2 ? deliveries : undefined;
    }, 'both webhooks delivered to the built-in inbox');
    assert.deepEqual(delivered.map((d) => d.action).sort(), ['ChangePlan', 'ChangeQuantity']);
  });

  it('on a free trial: the trial is the first term', async () => {
    const subscription = await mp.client.getSubscription(id(7));
    assert.equal(subscription.isFreeTrial, true);
  });

  it('is what reset returns to: an activation and a new purchase are undone', async () => {
    await mp.client.activate(id(1), { planId: 'pro', quantity: 5 });
    await mp.simulator.purchase({ offerId: 'contoso-saas', planId: 'basic' });
    await mp.reset();
    assert.equal((await mp.client.getSubscription(id(1))).saasSubscriptionStatus, 'PendingFulfillmentStart');
    const state = await mp.simulator.exportState();
    assert.equal(state.subscriptions.length, SEED.subscriptions!.length);
  });

  it('gives the same subscriptions on every reset: ids, tenants and Azure subscriptions made up from the seed, not at random', async () => {
    await mp.simulator.seed({ subscriptions: [{ ...pro }, { ...pro, csp: true }] });
    const identities = async () =>
      (await mp.simulator.exportState()).subscriptions.map((s) => [
        s.id,
        s.beneficiary.tenantId,
        s.beneficiary.objectId,
        s.beneficiary.puid,
        s.purchaser.tenantId,
        s.azureSubscriptionId,
      ]);
    const first = await identities();
    await mp.reset();
    assert.deepEqual(await identities(), first);
    assert.notEqual(first[0]![0], first[1]![0], 'two entries, two ids');
    assert.equal(first.filter((s) => s[1] !== s[4]).length, 1, 'the reseller purchase has a purchaser of another tenant');
    await mp.simulator.seed(SEED);
  });

  it('loaded at run time (POST /simulator/seed) replaces the state, and reset returns to the new one', async () => {
    const loaded = await mp.simulator.seed({ subscriptions: [{ ...pro, id: id(42), status: 'Subscribed' }] });
    assert.deepEqual(loaded, { seeded: { subscriptions: 1 } });
    await mp.reset();
    const state = await mp.simulator.exportState();
    assert.deepEqual(
      state.subscriptions.map((s) => s.id),
      [id(42)],
    );
    await mp.simulator.seed(SEED);
  });
});

describe('a wrong seed', () => {
  let mp: TestMarketplace;
  before(async () => {
    mp = await startMarketplace({ seed: { subscriptions: [{ ...pro, id: id(1), status: 'Subscribed' }] } });
  });
  after(() => mp.close());

  const cases: [string, unknown, number, string][] = [
    ['a misspelt field, named', { subscriptions: [{ ...pro, staus: 'Subscribed' }] }, 400, 'subscriptions[0].staus'],
    ['an unknown status', { subscriptions: [{ ...pro, status: 'Active' }] }, 400, 'subscriptions[0].status'],
    ['a plan the offer lacks', { subscriptions: [{ ...pro, planId: 'platinum' }] }, 400, 'subscriptions[0].planId'],
    ['seats beyond the plan', { subscriptions: [{ ...pro, quantity: 999_999 }] }, 400, 'subscriptions[0].quantity'],
    ['a term that would have ended', { subscriptions: [{ ...pro, status: 'Subscribed', termStartedDaysAgo: 40 }] }, 400, 'subscriptions[0].termStartedDaysAgo'],
    ['a term age on a pending purchase', { subscriptions: [{ ...pro, termStartedDaysAgo: 4 }] }, 400, 'subscriptions[0].termStartedDaysAgo'],
    [
      'a pending change on a suspended subscription',
      { subscriptions: [{ ...pro, status: 'Suspended', pendingChange: { quantity: 7 } }] },
      400,
      'subscriptions[0].pendingChange',
    ],
    [
      'a change to the plan it has',
      { subscriptions: [{ ...pro, status: 'Subscribed', pendingChange: { planId: 'pro' } }] },
      400,
      'subscriptions[0].pendingChange.planId',
    ],
    [
      'usage of a dimension the plan does not meter',
      { subscriptions: [{ ...pro, usage: [{ dimension: 'gpu_hours', quantity: 1, hoursAgo: 1 }] }] },
      400,
      'subscriptions[0].usage[0].dimension',
    ],
    [
      'two usage events in one hour',
      {
        subscriptions: [
          {
            ...pro,
            usage: [
              { dimension: 'api_calls', quantity: 1, hoursAgo: 1 },
              { dimension: 'api_calls', quantity: 2, hoursAgo: 1 },
            ],
          },
        ],
      },
      400,
      'subscriptions[0].usage[1].hoursAgo',
    ],
    [
      'a repeated id',
      {
        subscriptions: [
          { ...pro, id: id(9) },
          { ...pro, id: id(9) },
        ],
      },
      400,
      'subscriptions[1].id',
    ],
    [
      'endpoints of a publisher the catalog lacks (an export of it would never import back: N14)',
      { endpoints: { constructor: { webhookUrl: 'http://127.0.0.1:9/hook' } } },
      400,
      'endpoints.constructor',
    ],
    ['another catalog than the one running', { catalog: { publishers: [{ ...DEMO_CATALOG.publishers[0]!, displayName: 'Other' }] } }, 409, 'catalog'],
  ];
  for (const [what, seed, status, target] of cases) {
    it(`is refused whole: ${what} (${status}, naming ${target})`, async () => {
      await assert.rejects(mp.simulator.seed(seed as Seed), (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.statusCode, status, error.message);
        assert.equal(error.target, target, error.message);
        return true;
      });
      const state = await mp.simulator.exportState();
      assert.deepEqual(
        state.subscriptions.map((s) => [s.id, s.status]),
        [[id(1), 'Subscribed']],
        'the state is as it was',
      );
    });
  }

  it('is refused when the fixture starts: the error names the field', async () => {
    await assert.rejects(startMarketplace({ seed: { subscriptions: [{ ...pro, planId: 'platinum' }] } }), /subscriptions\[0\]\.planId/);
  });
});

describe('a seed file in YAML', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'seed-yaml-'));
  const write = (name: string, text: string) => {
    const file = path.join(folder, name);
    writeFileSync(file, text);
    return file;
  };

  it('expands its aliases: a usage list written once, given to two subscriptions', async () => {
    const file = write(
      'aliases.yaml',
      `subscriptions:
  - { offerId: contoso-saas, planId: pro, quantity: 2, status: Subscribed, usage: &usage [{ dimension: api_calls, quantity: 5, hoursAgo: 1 }] }
  - { offerId: contoso-saas, planId: pro, quantity: 3, status: Subscribed, usage: *usage }
`,
    );
    await using mp = await startMarketplace({ seed: file });
    assert.equal((await mp.simulator.exportState()).usage.length, 2);
  });

  it('is refused, quickly and by name, when its aliases stand for more than the emulator takes (N13)', () => {
    // 580 KiB of anchored text, named 89 times: under the parser's alias limit, 50 MiB once filled in.
    const anchor = 'x'.repeat(580 * 1024);
    const file = write('aliases-bomb.yaml', `padding: &a "${anchor}"\nlist: [${Array.from({ length: 89 }, () => '*a').join(', ')}]\n`);
    const started = Date.now();
    assert.throws(() => readDocumentFile(file), /stands for more than 32 MiB once its aliases are filled in/);
    assert.ok(Date.now() - started < 5_000, `refused in ${Date.now() - started} ms`);
  });
});
