// The publisher and dev commands as users run them: required settings named on exit code 2, no secret in
// any log line, and kill -9 while webhooks stream in losing nothing that was acknowledged.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { runCli, runCliAsync, startCli, type CliProcess } from '../helpers/cli.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { trustInProcess } from 'saas-fulfillment/internals';
import { hiddenFields, WebSession } from '../helpers/web-session.js';
import { repositoryRoot } from '../helpers/paths.js';
import { until } from '../helpers/wait.js';

type Body = Record<string, unknown>;
const PRODUCTION_ENV = {
  TENANT_ID: '',
  CLIENT_ID: '',
  CLIENT_SECRET: '',
  ADMIN_PASSWORD: '',
  APP_API_KEY: '',
  PRODUCT_NAME: '',
  PRODUCT_URL: '',
  PRODUCT_LOGO_URL: '',
  SUPPORT_CONTACT: '',
};

describe('publisher command settings', () => {
  // Every refusal is checked in-process (settings.test.ts); here, that the command exits 2 and says it.
  it('refuses to start without an admin password: exit code 2, naming the variable', () => {
    const r = runCli(['publisher', '--marketplace-url', 'http://127.0.0.1:9'], { ...PRODUCTION_ENV });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /ADMIN_PASSWORD must be set/);
  });
});

describe('dev command', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'saas-dev-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const https of [false, true])
    it(`runs a purchase end to end${https ? ' with the emulator on HTTPS (--https)' : ''} and writes no secret to its logs`, async () => {
      const dataDir = https ? mkdtempSync(path.join(dir, 'https-')) : dir;
      const dev = startCli(['dev', '--port', '0', '--marketplace-port', '0', '--data-dir', dataDir, ...(https ? ['--https'] : [])], {
        ...PRODUCTION_ENV,
        LOG_LEVEL: 'debug',
      });
      try {
        const [, mpUrl] = await dev.waitFor(https ? /Marketplace emulator\s+(https:\/\/\S+)/ : /Marketplace emulator\s+(http:\/\/\S+)/);
        // This test calls the emulator too, so it trusts the certificate the command made, as a user would.
        if (https) trustInProcess(readFileSync((await dev.waitFor(/HTTPS: trust (\S+)/))[1]!, 'utf8'));
        const [, pubUrl] = await dev.waitFor(/Publisher service\s+(http:\/\/\S+)/);
        const [, password] = await dev.waitFor(/Admin password\s+(\S+)/);
        // The banner names the application API's reference, and it answers.
        const [, reference, document] = await dev.waitFor(/API reference\s+(http:\/\/\S+)\s+\(OpenAPI document: (\S+)\)/);
        assert.equal(reference, `${pubUrl}/docs/api`);
        assert.equal(((await (await fetch(document!)).json()) as { openapi: string }).openapi, '3.1.0');
        const bought = (await (
          await fetch(`${mpUrl}/simulator/purchases`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ offerId: 'contoso-saas', planId: 'pro', quantity: 3 }),
          })
        ).json()) as Body;
        const buyer = new WebSession(pubUrl!);
        const landing = await buyer.get(String(bought.landingPageUrl));
        const activated = await buyer.post('/landing/activate', hiddenFields(landing.text, '/landing/activate'));
        assert.match((await buyer.get(activated.location!)).text, /Your subscription is active/);
        await fetch(`${mpUrl}/simulator/subscriptions/${String(bought.subscriptionId)}/actions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'ChangeQuantity', quantity: 4 }),
        });
        const admin = new WebSession(pubUrl!);
        await admin.submit('/admin/login', '/admin/login', { password: password! });
        const { cookie } = admin;
        const seatsNow = async () =>
          (
            (await (await fetch(`${pubUrl}/api/admin/subscriptions/${String(bought.subscriptionId)}`, { headers: { cookie } })).json()) as {
              subscription: Body;
            }
          ).subscription.quantity;
        await until(async () => ((await seatsNow()) === 4 ? true : undefined), 'the customer change to reach the console', 5000);
        if (!https) {
          // `reset` under dev empties both apps: the console no longer lists what the emulator forgot.
          const reset = await runCliAsync(['reset', '--marketplace-url', mpUrl!]);
          assert.equal(reset.status, 0, reset.stderr);
          const listed = (await (await fetch(`${pubUrl}/api/admin/subscriptions?q=`, { headers: { cookie } })).json()) as { total: number };
          assert.equal(listed.total, 0);
        }
        const output = dev.output();
        assert.ok(output.includes('"level":20'), 'debug logging was on');
        assert.equal(output.split(password!).length - 1, 1, 'the generated admin password is printed once, at start, and never logged');
        assert.ok(!/dev-secret(?!s\.json)/.test(output), 'the client secret is never written');
        assert.ok(!/eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(output), 'no token is written');
        assert.ok(!output.includes(String(bought.token)), 'no landing token is written');
      } finally {
        await dev.kill();
      }
    });

  it('keeps its generated admin password in the data folder and reuses it on restart without printing it', async () => {
    const file = path.join(dir, 'dev-secrets.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { adminPassword: string; appApiKey: string };
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the owner can read the secrets file');
    // LOG_LEVEL unset, as `npm start` runs it: the banner is not interleaved with JSON log lines.
    const dev = startCli(['dev', '--port', '0', '--marketplace-port', '0', '--data-dir', dir], { ...PRODUCTION_ENV, LOG_LEVEL: '' });
    try {
      const [, pubUrl] = await dev.waitFor(/Publisher service\s+(http:\/\/\S+)/);
      await dev.waitFor(/Logs below: warnings and errors only/);
      assert.deepEqual(
        dev
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{')),
        [],
        'no JSON line in the banner',
      );
      await dev.waitFor(/Admin password and app key: in \S+dev-secrets\.json/);
      assert.ok(!dev.output().includes(stored.adminPassword), 'a reused password is not printed again');
      const login = await new WebSession(pubUrl!).submit('/admin/login', '/admin/login', { password: stored.adminPassword });
      assert.equal(login.location, '/admin', 'the stored password still signs in');
      const entitlements = await fetch(`${pubUrl}/api/entitlements?tenantId=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, {
        headers: { authorization: `Bearer ${stored.appApiKey}` },
      });
      assert.equal(entitlements.status, 200, 'the stored app key is the one in force');
    } finally {
      await dev.kill();
    }
  });
  it("keeps every file it writes in DATA_DIR (a container's volume), and prints links a browser opens when bound to 0.0.0.0", async () => {
    const volume = mkdtempSync(path.join(tmpdir(), 'saas-volume-'));
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'saas-workdir-'));
    try {
      const product = path.join(repositoryRoot, 'examples/product/product.js');
      const start = () =>
        startCli(
          ['dev', '--host', '0.0.0.0', '--port', '0', '--marketplace-port', '0', '--product', product, '--product-port', '0'],
          { DATA_DIR: volume, ADMIN_PASSWORD: '', APP_API_KEY: '' },
          elsewhere,
        );
      const first = start();
      await first.waitFor(/Or from another terminal/);
      assert.doesNotMatch(first.output(), /0\.0\.0\.0/, 'no link to 0.0.0.0');
      assert.match(first.output(), /Publisher service\s+http:\/\/127\.0\.0\.1:\d+/);
      assert.match(first.output(), /Product\s+http:\/\/127\.0\.0\.1:\d+\//);
      assert.ok(existsSync(path.join(volume, 'dev.json')), 'where it runs, in the volume');
      assert.equal(await first.kill(), 0);
      const { adminPassword } = JSON.parse(readFileSync(path.join(volume, 'dev-secrets.json'), 'utf8')) as { adminPassword: string };
      assert.deepEqual(readdirSync(elsewhere), [], 'nothing written in the working folder');
      assert.ok(existsSync(path.join(volume, 'product')), "the product's usage journal is in the volume too");
      assert.ok(!existsSync(path.join(volume, 'dev.json')), 'gone once it stopped');
      // A new container on the same volume: the same password, not printed again.
      const second = start();
      await second.waitFor(/Admin password and app key: in \S+dev-secrets\.json/);
      assert.ok(!second.output().includes(adminPassword));
      await second.kill();
    } finally {
      rmSync(volume, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses a --product module it cannot load or that does not export startProduct, before anything starts', () => {
    const module = path.join(dir, 'not-a-product.mjs');
    writeFileSync(module, 'export const start = () => {};\n');
    for (const [given, reason] of [
      [path.join(dir, 'missing.mjs'), /--product \S+missing\.mjs: the module could not be loaded/],
      [module, /--product \S+not-a-product\.mjs must export a function startProduct\(options\)/],
    ] as const) {
      const r = runCli(['dev', '--port', '0', '--marketplace-port', '0', '--data-dir', dir, '--product', given]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, reason);
      assert.doesNotMatch(r.stdout, /Marketplace emulator/, 'nothing started');
    }
  });
});

describe('publisher process survives kill -9 while webhooks stream in', () => {
  let mp: TestMarketplace;
  let dir: string;
  const processes: CliProcess[] = [];
  const APP_KEY = 'kill-test-app-key-0123';

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'saas-pubcrash-'));
    mp = await startTestMarketplace({
      settings: { acknowledgeWindowMs: 10_000, webhook: { maxAttempts: 200, baseDelayMs: 50, maxDelayMs: 300, timeoutMs: 2000 } },
    });
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await mp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const cli = startCli(['publisher', '--port', '0', '--data-dir', dir, '--marketplace-url', mp.url], {
      ...PRODUCTION_ENV,
      ADMIN_PASSWORD: 'kill-test-password',
      APP_API_KEY: APP_KEY,
    });
    processes.push(cli);
    const [, url] = await cli.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    await pointEmulatorAt(mp, url!);
    return { cli, url: url! };
  };

  it('acknowledged webhooks are all in the inbox after the restart, and every subscription ends equal to the emulator', async () => {
    const first = await start();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await mp.subscribe({ quantity: 5 }));
    const act = (id: string, body: Body) => mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body });
    const stream = (async () => {
      for (let round = 0; round < 6; round++) {
        for (const id of ids) await act(id, round % 2 === 0 ? { action: 'ChangeQuantity', quantity: 6 + round } : { action: 'Suspend' });
        for (const id of ids) if (round % 2 === 1) await act(id, { action: 'Reinstate' });
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await first.cli.kill('SIGKILL'), null);
    const second = await start();
    await stream;

    // The dead process may have been killed inside a job (after acknowledging an operation, before syncing
    // its subscription): that job is taken back once its claim runs out (15 s), so convergence is waited
    // for, not assumed after a fixed pause.
    const remote = async (id: string) => (await mp.api('GET', `/saas/subscriptions/${id}`)).body as Body;
    const local = async (id: string) =>
      (await (await fetch(`${second.url}/api/entitlements/${id}`, { headers: { authorization: `Bearer ${APP_KEY}` } })).json()) as Body;
    const differences = async () => {
      const found: string[] = [];
      for (const id of ids) {
        const [theirs, mine] = await Promise.all([remote(id), local(id)]);
        const want = [theirs.saasSubscriptionStatus, theirs.planId, theirs.quantity];
        const have = [mine.status, mine.planId, mine.quantity];
        if (JSON.stringify(want) !== JSON.stringify(have)) found.push(`${id}: emulator ${want.join('/')}, publisher ${have.join('/')}`);
      }
      const outstanding = await Promise.all(
        ids.map(async (id) => (await mp.api('GET', `/saas/subscriptions/${id}/operations`)).body as { operations: unknown[] }),
      );
      const waiting = outstanding.reduce((n, o) => n + o.operations.length, 0);
      if (waiting > 0) found.push(`${waiting} operations still waiting on the publisher`);
      return found;
    };
    const deadline = Date.now() + 45_000;
    let left = await differences();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = await differences();
    }
    assert.deepEqual(left, [], 'every subscription ends equal to the emulator, with nothing left waiting');
    await second.cli.kill();

    const { store, database } = await openPublisherStore({ dataDir: dir });
    try {
      const log = (await mp.http('GET', '/simulator/webhooks?limit=1000')).body as {
        deliveries: { operationId: string; subscriptionId: string; attemptLog: { statusCode?: number }[] }[];
      };
      for (const delivery of log.deliveries) {
        if (!delivery.attemptLog.some((a) => a.statusCode === 200)) continue;
        const inbox = await store.inboxOf(delivery.subscriptionId);
        assert.ok(
          inbox.some((w) => w.operationId === delivery.operationId),
          `acknowledged webhook ${delivery.operationId} is in the inbox`,
        );
      }
    } finally {
      await database.close();
    }
  });
});

describe('publisher process stopped with SIGTERM while a job runs', () => {
  it('exits within 10 s, non-zero, naming the job it released', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'saas-pubterm-'));
    const mp = await startTestMarketplace();
    const hooks = path.join(dir, 'hooks.mjs');
    // The vendor's provisioning never finishes.
    writeFileSync(hooks, "export async function provision() { console.log('provisioning started'); await new Promise(() => {}); }\n");
    const cli = startCli(['publisher', '--port', '0', '--data-dir', dir, '--marketplace-url', mp.url, '--hooks', hooks], {
      ...PRODUCTION_ENV,
      ADMIN_PASSWORD: 'term-test-password',
      APP_API_KEY: 'term-test-key-0123',
    });
    try {
      const [, url] = await cli.waitFor(/Publisher service\s+(http:\/\/\S+)/);
      await pointEmulatorAt(mp, url!);
      await mp.purchase({ planId: 'instant', quantity: undefined });
      await cli.waitFor(/provisioning started/);
      const started = Date.now();
      const code = await cli.kill('SIGTERM');
      const took = Date.now() - started;
      assert.ok(took < 10_000, `stopped in ${took} ms`);
      assert.equal(code, 1, `work was cut short: ${cli.output()}`);
      assert.match(cli.output(), /stopped, but cut short: provision job \S+ \(released: it runs again after a restart\)/);
    } finally {
      await cli.kill('SIGKILL');
      await mp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Points the emulator's dev publisher (webhook and landing page) at a publisher that listens at `url`. */
async function pointEmulatorAt(mp: TestMarketplace, url: string): Promise<void> {
  const updated = await mp.http('PUT', '/simulator/publishers/contoso', { body: { webhookUrl: `${url}/webhook`, landingPageUrl: `${url}/landing` } });
  assert.equal(updated.status, 200, updated.text);
}
