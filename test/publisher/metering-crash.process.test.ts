// Exactly-once metering across crashes: the publisher's command is killed (SIGKILL) while a batch it sent
// is accepted by the emulator but not yet answered. On SQLite the same process restarts on the same data;
// on PostgreSQL a second publisher on the same database carries on. Either way every hour is billed once,
// at the quantity reported, and the hours whose answer was lost come back Duplicate.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropSchema } from '@saas-fulfillment/store';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { testDialects } from '../helpers/databases.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { until } from '../helpers/wait.js';
import { WebSession } from '../helpers/web-session.js';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_PASSWORD = 'crash test admin password';
const APP_API_KEY = 'crash-test-app-key-0123456789';
const SUBSCRIPTIONS = 60;
const HOUR = 3_600_000;

type Body = Record<string, unknown>;

const dialects = await testDialects();

describe('metering survives kill -9', () => {
  let mp: TestMarketplace;
  let dataDir: string;
  const processes: CliProcess[] = [];
  const schemas: string[] = [];

  before(async () => {
    mp = await startTestMarketplace();
    dataDir = mkdtempSync(path.join(tmpdir(), 'saas-crash-'));
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await mp.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const schema of schemas) await dropSchema(POSTGRES_URL, schema);
  });

  const startPublisher = async (env: Record<string, string>) => {
    const cli = startCli(['publisher', '--marketplace-url', mp.url, '--port', '0', '--data-dir', env.DATA_DIR ?? dataDir], {
      ADMIN_PASSWORD,
      APP_API_KEY,
      METERING_INTERVAL: 'PT1H',
      METERING_LEASE: 'PT2S',
      ...env,
    });
    processes.push(cli);
    const [, url] = await cli.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    const admin = new WebSession(url!);
    const signedIn = await admin.submit('/admin/login', '/admin/login', { password: ADMIN_PASSWORD });
    assert.equal(signedIn.status, 303, signedIn.text);
    return { cli, url: url!, admin };
  };

  /** Subscriptions bought and activated at the emulator; the publisher learns them by reconciling on start. */
  const buySubscriptions = async () => {
    const ids: string[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) ids.push(await mp.subscribe({ planId: 'pro', quantity: 1 }));
    return ids;
  };

  /** Two closed hours of usage per subscription (quantities unique per hour, so a wrong one shows). */
  const reportUsage = async (url: string, ids: string[]) => {
    const now = Date.now();
    const records = ids.flatMap((id, i) => [
      { subscriptionId: id, dimension: 'api_calls', quantity: 100 + i, timestamp: new Date(now - HOUR).toISOString(), idempotencyKey: `${id}-1` },
      { subscriptionId: id, dimension: 'api_calls', quantity: 1000 + i, timestamp: new Date(now - 2 * HOUR).toISOString(), idempotencyKey: `${id}-2` },
    ]);
    const response = await fetch(`${url}/api/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(records),
    });
    const body = (await response.json()) as Body;
    assert.equal(body.accepted, records.length, JSON.stringify(body).slice(0, 500));
    return records;
  };

  const knowsAll = (admin: WebSession, ids: string[]) =>
    until(
      async () => {
        const list = JSON.parse((await admin.get('/api/admin/subscriptions?q=')).text) as { total: number };
        return list.total >= ids.length ? true : undefined;
      },
      'the publisher to reconcile every subscription',
      20_000,
    );

  const acceptedAtEmulator = async () => {
    const days = await mp.store.usage.daily({ publisherId: 'contoso', from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' });
    return days.reduce((n, d) => n + d.events, 0);
  };

  const submit = async (admin: WebSession) => JSON.parse((await admin.postJson('/api/admin/metering/submit', {})).text) as Body;

  /** Every reported hour billed once at its quantity; nothing else billed; the publisher agrees. */
  const assertBilledOnce = async (ids: string[], records: { subscriptionId: string; quantity: number; timestamp: string }[], admin: WebSession) => {
    const billed = new Map<string, number>();
    for (const id of ids) for (const event of await mp.store.usage.of(id, 10)) billed.set(`${id} ${event.hour}`, event.quantity);
    const expected = new Map(
      records.map((r) => [`${r.subscriptionId} ${new Date(Math.floor(Date.parse(r.timestamp) / HOUR) * HOUR).toISOString()}`, r.quantity]),
    );
    assert.deepEqual([...billed].sort(), [...expected].sort());
    const view = JSON.parse((await admin.get('/api/admin/metering?status=accepted')).text) as { summary: { byStatus: Record<string, number> } };
    assert.deepEqual(view.summary.byStatus, { accepted: records.length });
  };

  it('on SQLite: killed while its batch is accepted but unanswered, restarted, bills each hour once', async () => {
    const ids = await buySubscriptions();
    const first = await startPublisher({});
    await knowsAll(first.admin, ids);
    const records = await reportUsage(first.url, ids);
    const held = await mp.http('POST', '/simulator/faults', { body: { pathPattern: '/batchUsageEvent', answerDelayMs: 15_000, count: 1 } });
    assert.equal(held.status, 201, held.text);
    void submit(first.admin).catch(() => undefined);
    await until(async () => ((await acceptedAtEmulator()) >= 25 ? true : undefined), 'the first batch to be accepted', 20_000);
    assert.equal(await first.cli.kill('SIGKILL'), null, 'killed, not exited');

    const second = await startPublisher({});
    await new Promise((resolve) => setTimeout(resolve, 2500)); // the dead process's lease runs out
    const report = await submit(second.admin);
    assert.equal(report.duplicates, 25, JSON.stringify(report));
    assert.equal(Number(report.accepted) + Number(report.duplicates), records.length);
    await assertBilledOnce(ids, records, second.admin);
    assert.equal(await acceptedAtEmulator(), records.length);
    await second.cli.kill();
  });

  it('on PostgreSQL: two publishers submit side by side, one is killed mid-batch, the other finishes; each hour billed once', {
    skip: !dialects.includes('postgres'),
  }, async () => {
    await mp.app.marketplace.reset();
    const schema = `t_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const env = { DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();

    const ids = await buySubscriptions();
    const a = await startPublisher({ ...env, DATA_DIR: path.join(dataDir, 'a') });
    const b = await startPublisher({ ...env, DATA_DIR: path.join(dataDir, 'b') });
    await knowsAll(a.admin, ids);
    const records = await reportUsage(b.url, ids);
    const held = await mp.http('POST', '/simulator/faults', { body: { pathPattern: '/batchUsageEvent', answerDelayMs: 15_000, count: 1 } });
    assert.equal(held.status, 201, held.text);
    void submit(a.admin).catch(() => undefined);
    await until(async () => ((await acceptedAtEmulator()) >= 25 ? true : undefined), 'the first batch to be accepted', 20_000);
    // B works beside A: it takes the hours A has not leased.
    const beside = await submit(b.admin);
    assert.equal(Number(beside.accepted), records.length - 25, JSON.stringify(beside));
    assert.equal(await a.cli.kill('SIGKILL'), null, 'killed, not exited');

    await new Promise((resolve) => setTimeout(resolve, 2500));
    const rest = await submit(b.admin);
    assert.equal(rest.duplicates, 25, JSON.stringify(rest));
    await assertBilledOnce(ids, records, b.admin);
    assert.equal(await acceptedAtEmulator(), records.length);
    await b.cli.kill();
  });
});
