// Riding out a database outage (PostgreSQL): the publisher's command runs with its connection through a
// TCP relay, under webhook and usage load, and the relay drops every connection and refuses new ones for
// CUT_SECONDS, as a database restart or a network cut does. The process must not die; while the database
// is away /readyz answers 503 naming it and requests that need it answer 503 with Retry-After; afterwards
// everything resumes by itself: every webhook the emulator sent is taken in (its retries), every usage
// record the publisher acknowledged is stored, and the publisher's subscriptions agree with the emulator's.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { dropSchema } from '@saas-fulfillment/store';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { testDialects } from '../helpers/databases.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.js';
import { until } from '../helpers/wait.js';
import { WebSession } from '../helpers/web-session.js';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CUT_SECONDS = Number(process.env.OUTAGE_SECONDS ?? 30);
const ADMIN_PASSWORD = 'outage test admin password';
const APP_API_KEY = 'outage-test-app-key-0123456789';
const SUBSCRIPTIONS = 12;

type Body = Record<string, unknown>;

const dialects = await testDialects();

describe('the publisher rides out a database outage', { skip: !dialects.includes('postgres') && 'PostgreSQL is not reachable' }, () => {
  let mp: TestMarketplace;
  let relay: TcpRelay;
  let publisher: CliProcess;
  let url: string;
  let dataDir: string;
  const schema = `t_${randomBytes(6).toString('hex')}`;

  before(async () => {
    const postgres = new URL(POSTGRES_URL);
    relay = await startTcpRelay({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    // Microsoft retries a webhook the publisher could not take; here every second or two, for long enough.
    mp = await startTestMarketplace({ settings: { webhook: { maxAttempts: 200, baseDelayMs: 500, maxDelayMs: 2_000, timeoutMs: 5_000 } } });
    dataDir = mkdtempSync(path.join(tmpdir(), 'saas-outage-'));
    const through = new URL(POSTGRES_URL);
    through.hostname = '127.0.0.1';
    through.port = String(relay.port);
    through.searchParams.set('options', `-c search_path=${schema}`);
    publisher = startCli(['publisher', '--marketplace-url', mp.url, '--port', '0', '--data-dir', dataDir], {
      ADMIN_PASSWORD,
      APP_API_KEY,
      DATABASE_URL: through.toString(),
      RECONCILE_INTERVAL: 'PT0S',
      METERING_INTERVAL: 'PT1H',
    });
    [, url = ''] = await publisher.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    const { catalog, endpoints } = mp.app.marketplace;
    await endpoints.update(catalog.requirePublisher(DEV_PUBLISHER.publisherId), { webhookUrl: `${url}/webhook` });
  });
  after(async () => {
    await publisher?.kill('SIGKILL');
    await mp?.close();
    await relay?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(POSTGRES_URL, schema);
  });

  const usage = (records: Body[]) =>
    fetch(`${url}/api/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(records),
    });
  const readiness = async () => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
  };

  it(`keeps running through ${CUT_SECONDS} s without its database, answers 503 meanwhile, and loses nothing it acknowledged`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) ids.push(await mp.subscribe({ planId: 'pro', quantity: 1 }));
    const admin = new WebSession(url);
    assert.equal((await admin.submit('/admin/login', '/admin/login', { password: ADMIN_PASSWORD })).status, 303);
    const reconciled = await admin.postJson('/api/admin/reconcile', {});
    assert.ok(reconciled.status < 300, reconciled.text);
    await until(
      async () => {
        const list = JSON.parse((await admin.get('/api/admin/subscriptions?q=')).text) as { total: number };
        return list.total >= SUBSCRIPTIONS ? true : undefined;
      },
      'the publisher to know every subscription',
      20_000,
    );

    // Load through the whole run: seat changes at the marketplace (webhooks) and usage from the app.
    const acknowledged = new Set<string>();
    let refusedWhileAway = 0;
    const statuses: string[] = [];
    let changes = 0;
    let running = true;
    const load = (async () => {
      for (let round = 0; running; round++) {
        const id = ids[round % ids.length] as string;
        const change = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangeQuantity', quantity: 2 + (round % 40) } });
        if (change.status === 202) changes++;
        const key = `outage-${round}`;
        const answer = await usage([
          { subscriptionId: id, dimension: 'api_calls', quantity: 1, timestamp: new Date().toISOString(), idempotencyKey: key },
        ]).catch(() => undefined);
        if (answer?.status === 200) {
          const body = (await answer.json()) as { accepted: number; duplicates: number };
          if (body.accepted + body.duplicates === 1) acknowledged.add(key);
        } else if (answer) statuses.push(`${answer.status} ${await answer.clone().text()}`);
        if (answer?.status === 503) {
          assert.ok(Number(answer.headers.get('retry-after')) > 0, 'a 503 says when to come back');
          refusedWhileAway++;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    relay.cut();
    const away = await until(async () => {
      const ready = await readiness();
      return ready.status === 503 ? ready : undefined;
    }, 'readiness to notice the database is away');
    assert.equal(away.body.checks.database, 'unavailable');
    assert.match(away.body.status, /^not ready: .*database/);
    await new Promise((resolve) => setTimeout(resolve, CUT_SECONDS * 1000));
    assert.equal(publisher.child.exitCode, null, `the process is still running:\n${publisher.output().slice(-2000)}`);
    relay.restore();

    await until(async () => ((await readiness()).status === 200 ? true : undefined), 'readiness once the database is back', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    running = false;
    await load;
    assert.ok(refusedWhileAway > 0, `usage was refused with 503 while the database was away: ${statuses.slice(0, 5).join('; ')}`);
    assert.ok(changes > 0);

    // Every webhook taken in and acted on: each subscription's seats agree with the marketplace.
    await until(
      async () => {
        for (const id of ids) {
          const theirs = (await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body;
          const ours = JSON.parse((await admin.get(`/api/admin/subscriptions/${id}`)).text) as { subscription: Body };
          if (ours.subscription.quantity !== theirs.quantity) return undefined;
        }
        return true;
      },
      'the publisher to agree with the marketplace on every subscription',
      60_000,
    );
    const pending = (await mp.store.listDeliveries({ limit: 10_000 })).filter((d) => d.status !== 'Delivered');
    assert.deepEqual(
      pending.map((d) => d.status),
      [],
      'every webhook delivered in the end',
    );

    // Every usage record acknowledged is stored.
    const direct = new pg.Client({ connectionString: POSTGRES_URL });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ key: string }>(`select idempotency_key as key from ${schema}.pub_usage_records`);
      const stored = new Set(rows.map((row) => row.key));
      assert.deepEqual(
        [...acknowledged].filter((key) => !stored.has(key)),
        [],
        'no acknowledged record lost',
      );
    } finally {
      await direct.end();
    }
    assert.match(publisher.output(), /database connection was lost/);
    // What SaasWebhooksFailing reads: webhooks answered with an error while the database was away.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^saas_webhooks_total\{action="unknown",result="failed"\} [1-9]/m);
    const started = Date.now();
    assert.equal(await publisher.kill('SIGTERM'), 0);
    assert.ok(Date.now() - started < 10_000, 'and it still stops promptly');
  });
});
