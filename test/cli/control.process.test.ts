// The terminal workflow through the built command: every `trigger` event, `clock advance`, the webhook
// log (listed, followed, redelivered), `reset`, words for people and JSON for scripts, per-command help,
// and clear exits for mistakes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, runCliAsync, startCli } from '../helpers/cli.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

type Body = Record<string, unknown>;

describe('terminal workflow against a running emulator', () => {
  let mp: TestMarketplace;
  before(async () => {
    mp = await startTestMarketplace({ settings: { acknowledgeWindowMs: 200 } });
  });
  after(() => mp.close());

  const cli = async (...args: string[]) => {
    const result = await runCliAsync([...args, '--marketplace-url', mp.url]);
    assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await cli(...args, '--json')) as Body;
  const subscription = async (id: string) => (await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body;
  const operationOf = async (id: string, operationId: string) => (await mp.api('GET', `/saas/subscriptions/${id}/operations/${operationId}`)).body as Body;

  it('purchase prints the subscription id, token and landing page link; --json for scripts', async () => {
    const words = await cli('trigger', 'purchase', '--plan', 'pro', '--quantity', '4');
    assert.match(words, /Purchased plan pro: subscription [0-9a-f-]{36}/);
    assert.match(words, /landing page\s+http:\/\/127\.0\.0\.1:\d+\/landing\?token=/);
    const bought = await json('trigger', 'purchase', '--plan', 'basic', '--free-trial', '--csp', '--name', 'Scripted');
    assert.deepEqual(Object.keys(bought).sort(), ['landingPageUrl', 'status', 'subscriptionId', 'token']);
    assert.equal(bought.status, 'waiting-for-landing-page');
    assert.match(words, /waiting\s+for the publisher's landing page/);
    const made = await subscription(String(bought.subscriptionId));
    assert.deepEqual([made.planId, made.isFreeTrial, made.name, made.allowedCustomerOperations], ['basic', true, 'Scripted', ['Read']]);
  });

  it('with no publisher attached, activates as one would and says so (purchase --activate, or activate later); buys a private plan for its tenant', async () => {
    const bought = await cli('trigger', 'purchase', '--plan', 'pro', '--quantity', '3', '--activate');
    const [, id] = /subscription ([0-9a-f-]{36})/.exec(bought) ?? [];
    assert.match(bought, /activated\s+Subscribed on plan pro with 3 seats, by the emulator acting as the publisher \(no publisher service is attached/);
    assert.equal((await subscription(id!)).saasSubscriptionStatus, 'Subscribed');
    // Then a seat change works at once: the README's terminal walk.
    assert.equal((await json('trigger', 'change-quantity', '--subscription', id!, '--quantity', '5')).status, 'InProgress');

    const later = await json('trigger', 'purchase', '--plan', 'basic');
    assert.equal((await subscription(String(later.subscriptionId))).saasSubscriptionStatus, 'PendingFulfillmentStart');
    const activated = await json('trigger', 'activate', '--subscription', String(later.subscriptionId));
    assert.deepEqual([activated.planId, activated.by], ['basic', 'emulator']);
    const again = await cli('trigger', 'activate', '--subscription', String(later.subscriptionId));
    assert.match(again, /is already active: there is no purchase to activate/);
    // A plan the marketplace activates itself is active at once: no landing page to wait for.
    const instant = await cli('trigger', 'purchase', '--plan', 'instant');
    assert.match(instant, /active\s+at once: the marketplace activates plan instant itself/);
    assert.doesNotMatch(instant, /landing page\s+http/);
    assert.equal((await subscription(String(later.subscriptionId))).saasSubscriptionStatus, 'Subscribed');

    const tenant = '33333333-3333-4333-8333-333333333333';
    const refused = await runCliAsync(['trigger', 'purchase', '--plan', 'partner-special', '--marketplace-url', mp.url]);
    assert.equal(refused.status, 1, 'a private plan is not sold to just anyone');
    const privately = await json(
      'trigger',
      'purchase',
      '--plan',
      'partner-special',
      '--beneficiary-tenant',
      tenant,
      '--beneficiary-email',
      'it@partner.example.com',
    );
    const made = await subscription(String(privately.subscriptionId));
    assert.deepEqual(
      [made.planId, (made.beneficiary as Body).tenantId, (made.beneficiary as Body).emailId],
      ['partner-special', tenant, 'it@partner.example.com'],
    );
  });

  it('fires every customer event on a subscription and prints its operation id', async () => {
    const id = await mp.subscribe({ quantity: 5 });
    const expectations: [string[], string, (s: Body) => void][] = [
      [['change-quantity', '--quantity', '7'], 'ChangeQuantity', () => undefined],
      [['change-plan', '--plan', 'enterprise'], 'ChangePlan', () => undefined],
      [['suspend'], 'Suspend', (s) => assert.equal(s.saasSubscriptionStatus, 'Suspended')],
      [['reinstate'], 'Reinstate', () => undefined],
    ];
    for (const [args, action, check] of expectations) {
      const [event, ...rest] = args;
      const out = await json('trigger', event!, '--subscription', id, ...rest);
      const operation = await operationOf(id, String(out.operationId));
      assert.equal(operation.action, action);
      await mp.app.marketplace.worker.drain();
      check(await subscription(id));
      if (action === 'Reinstate') await mp.api('PATCH', `/saas/subscriptions/${id}/operations/${String(out.operationId)}`, { body: { status: 'Success' } });
      if (action.startsWith('Change')) await mp.http('POST', '/simulator/clock', { body: { advanceBy: 'PT1S' } });
    }
    // A plan sold from more seats than the subscription has says so: the seats go up with the plan.
    const few = await mp.subscribe({ quantity: 5 });
    const raised = await cli('trigger', 'change-plan', '--subscription', few, '--plan', 'enterprise');
    assert.match(raised, /\n\s+seats\s+5 to 10: plan enterprise is sold from 10 seats/);
    const renewed = await cli('trigger', 'renew', '--subscription', id);
    assert.match(renewed, /Renewal of subscription .*: operation [0-9a-f-]{36}\n\s+status\s+done; the publisher was notified/);
    const cancelled = await json('trigger', 'unsubscribe', '--subscription', id);
    assert.equal((await operationOf(id, String(cancelled.operationId))).action, 'Unsubscribe');
    const final = await subscription(id);
    assert.deepEqual([final.saasSubscriptionStatus, final.planId, final.quantity], ['Unsubscribed', 'enterprise', 10]);
  });

  it('moves the clock, and renewals fall due', async () => {
    const id = await mp.subscribe({ quantity: 2 });
    const before = Date.parse(String((await json('clock')).now));
    const moved = await json('clock', 'advance', 'P1M');
    assert.ok(Date.parse(String(moved.now)) - before >= 27 * 86_400_000);
    assert.ok(Number(moved.applied) >= 1);
    const words = await cli('clock');
    assert.match(words, /Marketplace time: .* ahead of real time/);
    const term = (await subscription(id)).term as Body;
    assert.ok(Date.parse(String(term.startDate)) >= before + 27 * 86_400_000, 'the subscription renewed into a new term');
  });

  it('lists the webhook log, oldest first, and redelivers one', async () => {
    const id = await mp.subscribe({ quantity: 2 });
    await cli('trigger', 'suspend', '--subscription', id);
    await mp.app.marketplace.worker.drain();
    const listed = JSON.parse(await cli('webhooks', '--subscription', id, '--json')) as { id: string; action: string; status: string }[];
    assert.deepEqual(
      listed.map((d) => [d.action, d.status]),
      [['Suspend', 'Delivered']],
    );
    const words = await cli('webhooks', '--subscription', id);
    assert.match(words, new RegExp(`Suspend\\s+Delivered\\s+1 attempt\\s+200\\s+subscription ${id}\\s+delivery ${listed[0]!.id}`));
    const again = await json('webhooks', 'redeliver', listed[0]!.id);
    assert.notEqual(again.deliveryId, listed[0]!.id);
    await mp.app.marketplace.worker.drain();
    assert.equal(JSON.parse(await cli('webhooks', '--subscription', id, '--json')).length, 2);
  });

  it('follows the webhook log as deliveries are sent, showing only --limit old ones', async () => {
    const follower = startCli(['webhooks', '--follow', '--limit', '1', '--marketplace-url', mp.url]);
    try {
      await follower.waitFor(/Following/);
      const bought = await json('trigger', 'purchase', '--plan', 'instant');
      await follower.waitFor(new RegExp(`Subscribe\\s+Delivered\\s+1 attempt\\s+200\\s+subscription ${String(bought.subscriptionId)}`));
      await new Promise((resolve) => setTimeout(resolve, 700)); // another look at the log
      const lines = follower
        .output()
        .split('\n')
        .filter((line) => /delivery [0-9a-f-]{36}/.test(line));
      // A look that catches the new delivery still Pending shows it again once Delivered: a change of status.
      const deliveries = new Set(lines.map((line) => /delivery ([0-9a-f-]{36})/.exec(line)?.[1]));
      assert.equal(deliveries.size, 2, `one old delivery, then the new one:\n${lines.join('\n')}`);
      assert.match(lines.at(-1) ?? '', /Subscribe\s+Delivered/);
    } finally {
      assert.equal(await follower.kill('SIGINT'), 0, 'Ctrl-C ends it cleanly');
    }
  });

  it('follows the API calls the emulator answers (logs --follow), secrets hidden, filtered by subscription', async () => {
    const id = await mp.subscribe({ quantity: 2 });
    const follower = startCli(['logs', '--follow', '--limit', '1', '--subscription', id, '--marketplace-url', mp.url]);
    try {
      await follower.waitFor(/Following/);
      const token = await mp.token();
      await mp.api('GET', `/saas/subscriptions/${id}`, { token });
      await mp.api('GET', '/saas/subscriptions', { token });
      await follower.waitFor(new RegExp(`contoso\\s+200\\s+[\\d.]+ ms\\s+GET /api/saas/subscriptions/${id}\\?api-version=2018-08-31`));
      await new Promise((resolve) => setTimeout(resolve, 700)); // another look at the log
      const lines = follower
        .output()
        .split('\n')
        .filter((line) => /\d+ ms\s+(GET|POST|PATCH)/.test(line));
      assert.equal(lines.length, 2, `the activation, then the read of this subscription only:\n${lines.join('\n')}`);
      assert.ok(!follower.output().includes(token), 'no access token is printed');
    } finally {
      assert.equal(await follower.kill('SIGINT'), 0, 'Ctrl-C ends it cleanly');
    }
    const listed = JSON.parse(await cli('logs', '--subscription', id, '--json')) as { request: unknown; path: string }[];
    assert.ok(listed.some((call) => call.path.includes('/activate')));
  });

  it('resets the emulator', async () => {
    await cli('trigger', 'purchase', '--plan', 'pro');
    assert.match(await cli('reset'), /The emulator was reset: no subscriptions.*\nNo publisher runs beside it/);
    assert.deepEqual(((await mp.http('GET', '/simulator/subscriptions')).body as { subscriptions: unknown[] }).subscriptions, []);
  });

  it('explains mistakes: a missing flag or unknown event exits 2, a refusal exits 1 with the reason', async () => {
    const missing = await runCliAsync(['trigger', 'suspend', '--marketplace-url', mp.url]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /suspend needs --subscription/);
    const unknown = await runCliAsync(['trigger', 'explode', '--marketplace-url', mp.url]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown event 'explode': choose one of purchase, activate, change-plan/);
    const refused = await runCliAsync([
      'trigger',
      'change-quantity',
      '--subscription',
      '6f0c3c52-3c2a-4d4b-9d7e-1f2a3b4c5d6e',
      '--quantity',
      '3',
      '--marketplace-url',
      mp.url,
    ]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /refused \(404 EntityNotFound\): Subscription .* not found/);
    const badDuration = await runCliAsync(['clock', 'advance', 'tomorrow', '--marketplace-url', mp.url]);
    assert.equal(badDuration.status, 2, 'a bad duration is a mistake in the arguments');
    assert.match(badDuration.stderr, /'tomorrow' is not an ISO 8601 duration; write P1D \(a day\), PT1H \(an hour\)/);
    const one = await runCliAsync(['clock', 'advance', '1', '--marketplace-url', mp.url]);
    assert.match(one.stderr, /'1' is not an ISO 8601 duration/);
    const negative = await runCliAsync(['webhooks', '--limit', '-3', '--marketplace-url', mp.url]);
    assert.deepEqual([negative.status, negative.stderr.split('\n')[0]], [2, "saas-fulfillment: --limit must be a whole number from 1 to 1000; got '-3'"]);
    const notAnId = await runCliAsync(['webhooks', 'redeliver', 'nope', '--marketplace-url', mp.url]);
    assert.match(notAnId.stderr, /'nope' is not a delivery id/);
    const typo = await runCliAsync(['trigerr']);
    assert.match(typo.stderr, /unknown command 'trigerr'; did you mean 'trigger'\?/);
    const swapped = await runCliAsync(['marketplace', '--prot', '5']);
    assert.match(swapped.stderr, /unknown option --prot; did you mean --port\?/);
    const plan = await runCliAsync(['trigger', 'purchase', '--plan', 'platinum', '--marketplace-url', mp.url]);
    assert.match(plan.stderr, /Plan 'platinum' is not a plan of offer contoso-saas \(its plans: basic, pro, enterprise, instant, partner-special\)/);
    // A misspelt flag is named, with the one meant; a flag without its value says so.
    const misspelt = await runCliAsync(['trigger', 'change-quantity', '--quantty', '3', '--marketplace-url', mp.url]);
    assert.deepEqual([misspelt.status, misspelt.stderr.split('\n')[0]], [2, 'saas-fulfillment: trigger: unknown option --quantty; did you mean --quantity?']);
    const valueless = await runCliAsync(['trigger', 'purchase', '--marketplace-url', mp.url, '--plan']);
    assert.match(valueless.stderr, /^saas-fulfillment: trigger: --plan needs a value/);
    // With --json, an error is JSON too.
    const scripted = await runCliAsync([
      'trigger',
      'change-quantity',
      '--subscription',
      '6f0c3c52-3c2a-4d4b-9d7e-1f2a3b4c5d6e',
      '--quantity',
      '3',
      '--json',
      '--marketplace-url',
      mp.url,
    ]);
    assert.equal(scripted.status, 1);
    assert.deepEqual(JSON.parse(scripted.stderr).error.status, 404);
    assert.equal(JSON.parse(scripted.stderr).error.code, 'EntityNotFound');
  });

  it('takes the global flags before the command too', async () => {
    const moved = await runCliAsync(['--marketplace-url', mp.url, 'clock']);
    assert.equal(moved.status, 0, moved.stderr);
    assert.match(moved.stdout, /Marketplace time/);
  });
});

describe('command line basics', () => {
  it('prints its version, and each command its own help', () => {
    assert.match(runCli(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
    for (const [command, expected] of [
      ['trigger', /Usage: saas-fulfillment trigger <event>[\s\S]*change-quantity/],
      ['clock', /Usage: saas-fulfillment clock \[advance/],
      ['webhooks', /--follow/],
      ['marketplace', /--in-memory/],
      ['dev', /--marketplace-port/],
    ] as const) {
      const help = runCli([command, '--help']);
      assert.equal(help.status, 0);
      assert.match(help.stdout, expected);
    }
  });

  it('says it cannot reach an emulator that is not running', () => {
    const r = runCli(['webhooks', '--marketplace-url', 'http://127.0.0.1:9']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot reach the marketplace emulator at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): is it running\?/);
  });

  it('says when the URL answers but is not an emulator', async () => {
    const other = createHttpServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const r = await runCliAsync(['clock', '--marketplace-url', `http://127.0.0.1:${(other.address() as { port: number }).port}`]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /answered HTTP 404 with something other than JSON: is it the marketplace emulator\?/);
    } finally {
      other.close();
    }
  });

  it('names the flag to change when a port is in use', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'saas-port-'));
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = String((taken.address() as { port: number }).port);
    try {
      const marketplace = await runCliAsync(['marketplace', '--in-memory', '--port', port]);
      assert.equal(marketplace.status, 2);
      assert.match(marketplace.stderr, new RegExp(`port ${port} is in use: choose another with --port`));
      const dev = await runCliAsync(['dev', '--port', '0', '--marketplace-port', port, '--data-dir', dataDir], {
        ADMIN_PASSWORD: 'long enough password',
        APP_API_KEY: 'a key of sixteen or more',
      });
      assert.equal(dev.status, 2);
      assert.match(dev.stderr, new RegExp(`port ${port} is in use: choose another with --marketplace-port`));
    } finally {
      taken.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('speaks to an emulator started with a control token: the flag or SIMULATOR_CONTROL_TOKEN, else a refusal in words', async () => {
    const token = 'shared-ci-host-control-token-42';
    assert.equal(runCli(['marketplace', '--in-memory', '--port', '0', '--control-token', 'short']).status, 2, 'a short token is refused');
    const guarded = startCli(['marketplace', '--in-memory', '--port', '0', '--control-token', token]);
    try {
      const [, url] = await guarded.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
      const refused = await runCliAsync(['clock', '--marketplace-url', url!]);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /the emulator refused \(401 ControlTokenRequired\).*control token/);
      assert.equal((await runCliAsync(['clock', '--marketplace-url', url!, '--control-token', token])).status, 0);
      assert.equal((await runCliAsync(['clock', '--marketplace-url', url!], { SIMULATOR_CONTROL_TOKEN: token })).status, 0);
    } finally {
      await guarded.kill();
    }
  });
});
