// The `saas-fulfillment marketplace` command as a user runs it: flags, config errors with exit code 2,
// state that survives a restart, and kill -9 in the middle of webhook traffic losing nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential } from '@saas-fulfillment/client';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import { runCli, runCliAsync, startCli, type CliProcess } from '../helpers/cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';
import { until } from '../helpers/wait.js';

describe('marketplace command', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'saas-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 naming the flag for a bad port', () => {
    const r = runCli(['marketplace', '--port', '70000']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--port must be a port number/);
  });

  it('exits 2 for an unknown flag', () => {
    const r = runCli(['marketplace', '--colour', 'blue']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--colour/);
  });

  it('runs in memory: no files written, and a restart starts empty', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'saas-mem-'));
    try {
      const run = async (work: (url: string) => Promise<void>) => {
        const cli = startCli(['marketplace', '--in-memory', '--port', '0'], {}, cwd);
        try {
          const [, url] = await cli.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
          await work(url!);
        } finally {
          await cli.kill();
        }
      };
      const listed = async (url: string) =>
        ((await (await fetch(`${url}/simulator/subscriptions`)).json()) as { subscriptions: unknown[] }).subscriptions.length;
      await run(async (url) => {
        const bought = await fetch(`${url}/simulator/purchases`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ offerId: 'contoso-saas', planId: 'pro', quantity: 2 }),
        });
        assert.equal(bought.status, 201);
        assert.equal(await listed(url), 1);
      });
      await run(async (url) => assert.equal(await listed(url), 0, 'nothing survives the process'));
      assert.deepEqual(readdirSync(cwd), [], 'no data folder, no files');
      assert.match(runCli(['dev', '--in-memory'], {}, cwd).stderr, /--in-memory is for the marketplace command/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('--https serves over TLS with a local certificate authority it makes once and reuses', async () => {
    const tlsDir = mkdtempSync(path.join(dir, 'tls-'));
    const serve = async () => {
      const cli = startCli(['marketplace', '--https', '--port', '0', '--data-dir', tlsDir]);
      try {
        const [, url] = await cli.waitFor(/Marketplace emulator\s+(https:\/\/\S+)/);
        const [, trust] = await cli.waitFor(/HTTPS: trust (\S+)/);
        assert.equal(trust, path.join(tlsDir, 'tls', 'ca.pem'));
        const metadata = await getJson(`${url}/${DEV_PUBLISHER.tenantId}/v2.0/.well-known/openid-configuration`, readFileSync(trust!, 'utf8'));
        assert.equal(metadata.token_endpoint, `${url}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, 'metadata follows the https origin');
        // A command that does not trust the CA is told so, and which file to trust (not "is it running?").
        const untrusting = await runCliAsync(['clock', '--marketplace-url', url!], { NODE_EXTRA_CA_CERTS: '' });
        assert.equal(untrusting.status, 1);
        assert.match(untrusting.stderr, /answers over HTTPS with a certificate this machine does not trust \(\w+\): set NODE_EXTRA_CA_CERTS to the CA file/);
        const trusting = await runCliAsync(['clock', '--marketplace-url', url!], { NODE_EXTRA_CA_CERTS: trust! });
        assert.equal(trusting.status, 0, trusting.stderr);
        return readFileSync(path.join(tlsDir, 'tls', 'cert.pem'), 'utf8');
      } finally {
        await cli.kill();
      }
    };
    assert.equal(await serve(), await serve(), 'the certificate is made once');
  });
});

describe('marketplace process survives kill -9', () => {
  let receiver: WebhookReceiver;
  let dir: string;
  const processes: CliProcess[] = [];
  before(async () => {
    receiver = await startWebhookReceiver();
    dir = mkdtempSync(path.join(tmpdir(), 'saas-crash-'));
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const cli = startCli(['marketplace', '--port', '0', '--data-dir', dir, '--webhook-url', receiver.url]);
    processes.push(cli);
    const [, url] = await cli.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
    return { cli, url: url! };
  };

  const post = async (url: string, body: unknown) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    assert.ok(response.status < 300, `${url}: ${response.status} ${text}`);
    return JSON.parse(text) as Record<string, string>;
  };

  it('keeps every subscription and pending webhook, and delivers them after the restart', async () => {
    // The publisher is down: every delivery fails and stays pending.
    receiver.script.push(...Array<number>(100).fill(503));
    const first = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await post(`${first.url}/simulator/purchases`, { offerId: 'contoso-saas', planId: 'pro', quantity: 2 + i })).subscriptionId!);
    const token = await tokenFor(first.url);
    for (const id of ids) {
      const activate = await fetch(`${first.url}/api/saas/subscriptions/${id}/activate?api-version=2018-08-31`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ planId: 'pro', quantity: ids.indexOf(id) + 2 }),
      });
      assert.equal(activate.status, 200);
      await post(`${first.url}/simulator/subscriptions/${id}/actions`, { action: 'Suspend' });
    }
    await receiver.waitFor(1);
    assert.equal(await first.cli.kill('SIGKILL'), null, 'killed, not exited');

    // The publisher comes back; so does the emulator, on the same data.
    receiver.script.length = 0;
    const second = await start();
    try {
      const delivered = await until(
        async () => {
          const suspends = new Set(receiver.received.filter((r) => r.body.action === 'Suspend').map((r) => r.body.subscriptionId));
          return ids.every((id) => suspends.has(id)) ? suspends : undefined;
        },
        'every Suspend delivered after the restart',
        15_000,
      );
      assert.equal(delivered.size, 5);
      const token2 = await tokenFor(second.url);
      for (const id of ids) {
        const response = await fetch(`${second.url}/api/saas/subscriptions/${id}?api-version=2018-08-31`, { headers: { authorization: `Bearer ${token2}` } });
        const body = (await response.json()) as { saasSubscriptionStatus: string };
        assert.equal(body.saasSubscriptionStatus, 'Suspended');
      }
      // The receiver sees a delivery a moment before the emulator records its answer: wait for the log.
      const statuses = async () =>
        ((await (await fetch(`${second.url}/simulator/webhooks`)).json()) as { deliveries: { status: string }[] }).deliveries.map((d) => d.status);
      const settled = await until(async () => ((await statuses()).every((s) => s === 'Delivered') ? true : undefined), 'every delivery logged', 15_000).catch(
        () => false,
      );
      assert.ok(settled, JSON.stringify(await statuses()));
    } finally {
      await second.cli.kill();
    }
  });
});

function tokenFor(url: string): Promise<string> {
  const { tenantId, clientId, clientSecret } = DEV_PUBLISHER;
  return new ClientSecretCredential({ tenantId, clientId, clientSecret, authorityHost: url }).getToken();
}

/** A JSON document over HTTPS from a server whose certificate `ca` signed. */
function getJson(url: string, ca: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
    }).on('error', reject);
  });
}
