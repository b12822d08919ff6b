// The publisher in production as docs/deploy.md sets it up: started by its command with PUBLIC_URL and
// TRUST_PROXY, behind Debian's nginx terminating TLS with a certificate made for the run. Through the
// proxy: cookies are Secure, the sign-in redirect URI comes from PUBLIC_URL, the sign-in brake counts
// each real client apart (clients on 127.0.0.2 and 127.0.0.3) and ignores what a client claims in
// X-Forwarded-For, and a webhook is verified and stored.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { nginxUnavailable, proxyConfig, startTlsProxy, type TlsProxy } from '../helpers/nginx.js';
import { repositoryRoot } from '../helpers/paths.js';
import { freePort } from '../helpers/nginx.js';
import { hiddenFields } from '../helpers/web-session.js';

const SERVER_NAME = 'saas.test';
const PASSWORD = 'a production password';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

describe('the publisher behind nginx with TLS', { skip: nginxUnavailable() }, () => {
  let mp: TestMarketplace;
  let proxy: TlsProxy;
  let publisher: CliProcess;
  let proxyPort: number;
  let dataDir: string;
  let publicUrl: string;

  /** An HTTPS request to the proxy, by its name, from a chosen loopback address (a distinct client). */
  const call = (pathAndQuery: string, options: { method?: string; from?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: proxyPort,
          servername: SERVER_NAME,
          ca: proxy.ca,
          localAddress: options.from ?? '127.0.0.2',
          method: options.method ?? 'GET',
          path: pathAndQuery,
          headers: { host: `${SERVER_NAME}:${proxyPort}`, ...options.headers },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(options.body);
    });

  /** Signs in with the console password from `from`: opens the form (session and token), posts it. */
  const signIn = async (from: string, password: string, headers: Record<string, string> = {}) => {
    const page = await call('/admin/login', { from });
    const cookie = (page.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
    const fields = { ...hiddenFields(page.text, '/admin/login'), password };
    return call('/admin/login', {
      from,
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  };

  before(async () => {
    mp = await startTestMarketplace();
    // nginx cannot listen on port 0 and say where: its port is the one picked in advance.
    proxyPort = await freePort();
    publicUrl = `https://${SERVER_NAME}:${proxyPort}`;
    dataDir = mkdtempSync(path.join(tmpdir(), 'behind-proxy-'));
    publisher = startCli(['publisher', '--port', '0', '--marketplace-url', mp.url, '--data-dir', dataDir], {
      ADMIN_PASSWORD: PASSWORD,
      APP_API_KEY: 'an application key for this test',
      PUBLIC_URL: publicUrl,
      TRUST_PROXY: '127.0.0.1',
      ADMIN_OIDC_USERS: 'boss@contoso.example.com',
      LOG_LEVEL: 'info',
    });
    const [, upstream] = await publisher.waitFor(/publisher service listening on http:\/\/(\S+?)"/);
    proxy = await startTlsProxy({ serverName: SERVER_NAME, port: proxyPort, upstream: upstream! });
  });
  after(async () => {
    await publisher?.kill();
    await proxy?.close();
    await mp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the console over TLS with Secure, HTTP-only session cookies and HSTS', async () => {
    const page = await call('/admin/login');
    assert.equal(page.status, 200);
    const cookies = page.headers['set-cookie'] as string[];
    assert.ok(cookies.length > 0 && cookies.every((c) => /;\s*Secure/i.test(c) && /;\s*HttpOnly/i.test(c)), cookies.join(' | '));
    assert.match(String(page.headers['strict-transport-security']), /max-age=\d+/);
  });

  it("sends sign-in back to PUBLIC_URL's callback, whatever Host the request names", async () => {
    const start = await call('/auth/login?for=admin&next=/admin', { headers: { host: 'evil.example' } });
    assert.equal(start.status, 302);
    assert.equal(new URL(String(start.headers.location)).searchParams.get('redirect_uri'), `${publicUrl}/auth/callback`);
  });

  it("brakes each real client on its own address, and believes no client's X-Forwarded-For", async () => {
    for (let i = 0; i < 10; i++) assert.equal((await signIn('127.0.0.2', `wrong ${i}`)).status, 303);
    const braked = await signIn('127.0.0.2', PASSWORD, { 'x-forwarded-for': '198.51.100.9' });
    assert.equal(braked.status, 429, 'a made-up X-Forwarded-For does not escape the brake: nginx replaces it');
    const colleague = await signIn('127.0.0.3', PASSWORD);
    assert.equal(colleague.status, 303, 'another client behind the same proxy signs in');
    assert.equal(colleague.headers.location, '/admin');
    assert.match(
      publisher.output(),
      /"ip":"127\.0\.0\.2".*console sign-in refused|console sign-in refused.*"ip":"127\.0\.0\.2"/,
      'the log names the real client',
    );
  });

  it('verifies a webhook that came through the proxy, and refuses a forged one', async () => {
    const subscriptionId = await mp.subscribe({ planId: 'pro', quantity: 2 });
    const body = JSON.stringify({
      id: randomUUID(),
      activityId: randomUUID(),
      subscriptionId,
      action: 'Suspend',
      status: 'Succeeded',
      timeStamp: new Date().toISOString(),
      publisherId: DEV_PUBLISHER.publisherId,
      offerId: 'contoso-saas',
      planId: 'pro',
    });
    const token = await mp.app.marketplace.tokens.signWebhookToken(mp.app.marketplace.catalog.publisher(DEV_PUBLISHER.publisherId)!);
    const post = (authorization: string) => call('/webhook', { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    assert.equal((await post(`Bearer ${token}`)).status, 200);
    assert.equal((await post(`Bearer ${token.slice(0, -4)}AAAA`)).status, 401);
  });

  it('is the set-up docs/deploy.md gives: the same proxy headers', () => {
    const documented = readFileSync(path.join(repositoryRoot, 'docs/deploy.md'), 'utf8');
    const tested = proxyConfig({ serverName: 'x', listen: 'x', upstream: 'x', certificate: 'x', key: 'x' })
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('proxy_set_header') || line.startsWith('client_max_body_size'));
    assert.equal(tested.length, 4);
    for (const line of tested) assert.ok(documented.includes(line), `docs/deploy.md has '${line}'`);
  });
});
