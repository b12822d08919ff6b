// `publisher backup` while the publisher is under load (webhooks from purchases and usage records arrive
// the whole time): the copy holds every webhook the publisher acknowledged and every usage record it
// accepted before the backup began, passes SQLite's integrity check, and a publisher started on it serves.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { runCliAsync, startCli, type CliProcess } from '../helpers/cli.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { until } from '../helpers/wait.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

const APP_API_KEY = 'backup-test-app-key';
const ENV = { ADMIN_PASSWORD: 'backup-test-password', APP_API_KEY, TENANT_ID: '', CLIENT_ID: '', CLIENT_SECRET: '', DATABASE_URL: '' };

describe('publisher backup under load', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'backup-'));
  const processes: CliProcess[] = [];
  let mp: TestMarketplace;
  const startPublisher = async (dataDir: string, marketplaceUrl: string) => {
    const cli = startCli(['publisher', '--port', '0', '--data-dir', dataDir, '--marketplace-url', marketplaceUrl], ENV);
    processes.push(cli);
    const [, url] = await cli.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    return url!;
  };
  before(async () => {
    mp = await startTestMarketplace();
  });
  after(async () => {
    await Promise.all(processes.map((cli) => cli.kill('SIGKILL')));
    await mp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every acknowledged webhook and accepted record, and a publisher starts on the copy', async () => {
    const dataDir = path.join(dir, 'live');
    const url = await startPublisher(dataDir, mp.url);
    await mp.http('PUT', '/simulator/publishers/contoso', { body: { webhookUrl: `${url}/webhook`, landingPageUrl: `${url}/landing` } });
    const metered = await mp.purchase({ planId: 'pro', quantity: 2 });
    const buyer = new WebSession(url);
    await buyer.post('/landing/activate', hiddenFields((await buyer.get(metered.landingPageUrl)).text, '/landing/activate'));
    const entitlement = (base: string) =>
      fetch(`${base}/api/entitlements/${metered.subscriptionId}`, { headers: { authorization: `Bearer ${APP_API_KEY}` } }).then((r) => r.json()) as Promise<{
        status?: string;
      }>;
    await until(async () => ((await entitlement(url)).status === 'Subscribed' ? true : undefined), 'the metered plan active');

    // Load until told to stop: usage records one after another, and purchases whose webhooks stream in.
    let loading = true;
    const accepted: string[] = [];
    const usage = (async () => {
      for (let i = 0; loading; i++) {
        const response = await fetch(`${url}/api/usage`, {
          method: 'POST',
          headers: { authorization: `Bearer ${APP_API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            subscriptionId: metered.subscriptionId,
            dimension: 'api_calls',
            quantity: 1,
            timestamp: new Date().toISOString(),
            idempotencyKey: `k${i}`,
          }),
        });
        if (response.status === 201) accepted.push(`k${i}`);
      }
    })();
    const purchases = (async () => {
      while (loading) await mp.purchase({ planId: 'instant', quantity: undefined });
    })();
    const delivered = async () =>
      ((await mp.http('GET', '/simulator/webhooks?limit=1000')).body as { deliveries: { operationId: string; status: string }[] }).deliveries
        .filter((d) => d.status === 'Delivered')
        .map((d) => d.operationId);
    let acceptedBefore: string[];
    let deliveredBefore: string[];
    const copy = path.join(dir, 'copy.sqlite');
    try {
      // A readiness wait, not a speed check: CI's shared two cores may take a while to get there.
      await until(async () => (accepted.length >= 100 && (await delivered()).length >= 10 ? true : undefined), 'load to build up', 60_000);
      acceptedBefore = [...accepted];
      deliveredBefore = await delivered();
      const backup = await runCliAsync(['publisher', 'backup', copy, '--data-dir', dataDir], ENV);
      assert.equal(backup.status, 0, backup.stderr);
      assert.match(backup.stdout, /integrity checked/);
    } finally {
      // The load stops however the test goes: no call is left running after it.
      loading = false;
      await Promise.all([usage, purchases]);
    }
    assert.ok(accepted.length > acceptedBefore.length, 'records kept arriving during the backup');

    const database = new SQLite(copy, { readonly: true });
    const keys = new Set(database.prepare('select idempotency_key as key from pub_usage_records').pluck().all() as string[]);
    const inbox = new Set(database.prepare('select operation_id as id from pub_webhook_inbox').pluck().all() as string[]);
    database.close();
    for (const key of acceptedBefore) assert.ok(keys.has(key), `usage record ${key} is in the copy`);
    for (const id of deliveredBefore) assert.ok(inbox.has(id), `webhook ${id} is in the copy`);

    // Restored: the copy put where a publisher's data folder keeps its store.
    const restoredDir = path.join(dir, 'restored');
    mkdirSync(restoredDir);
    renameSync(copy, path.join(restoredDir, 'publisher.sqlite'));
    const restored = await startPublisher(restoredDir, mp.url);
    assert.equal(((await (await fetch(`${restored}/readyz`)).json()) as { status: string }).status, 'ready');
    assert.equal((await entitlement(restored)).status, 'Subscribed');
  });

  it('refuses a file that exists, a missing store, and a PostgreSQL store, naming what to do (exit code 2)', async () => {
    const existing = path.join(dir, 'exists.sqlite');
    writeFileSync(existing, '');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['publisher', 'backup', existing, '--data-dir', path.join(dir, 'live')], {}, /exists already: choose a new file/],
      [['marketplace', 'backup', path.join(dir, 'm.sqlite'), '--data-dir', path.join(dir, 'nowhere')], {}, /there is no database at .*marketplace\.sqlite/],
      [['publisher', 'backup', path.join(dir, 'p.sqlite')], { DATABASE_URL: 'postgres://127.0.0.1/test' }, /back it up with pg_dump/],
      [['publisher', 'backup'], {}, /takes one argument: the file to write/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCliAsync(args, { ...ENV, ...env });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
    }
  });
});
