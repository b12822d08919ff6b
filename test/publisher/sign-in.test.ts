// "Sign in with Microsoft" through openid-client against the emulator's Entra stand-in: the landing page
// asks the buyer to sign in first; listed users may open the console without the password; the flow's
// state cannot be forged.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEV_PUBLISHER } from '../helpers/marketplace.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

/** A browser's cookie jar and redirect following, enough for a sign-in round trip. */
class Browser {
  private readonly cookies = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<{ url: string; status: number; text: string }> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 10; hop++) {
      const host = new URL(current).host;
      const cookie = [...this.cookies]
        .filter(([key]) => key.startsWith(`${host} `))
        .map(([key, value]) => `${key.split(' ')[1]}=${value}`)
        .join('; ');
      const response = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: { ...(request.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, ...value] = pair!.split('=');
        this.cookies.set(`${host} ${name}`, value.join('='));
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).toString();
        request = {};
        continue;
      }
      return { url: current, status: response.status, text: await response.text() };
    }
    throw new Error('too many redirects');
  }
  /** Submits the emulator's sign-in form as `email`. */
  async signIn(page: { url: string; text: string }, email: string) {
    const fields = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decode(m[2]!)]));
    return this.go(page.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, login_email: email, login_name: 'Pat Buyer' }).toString(),
    });
  }
}

const decode = (value: string) =>
  value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

describe('sign in with Microsoft (OpenID Connect)', () => {
  let stack: TestStack;
  before(async () => {
    const mpPlaceholder = { issuer: '', clientId: DEV_PUBLISHER.clientId, clientSecret: DEV_PUBLISHER.clientSecret };
    stack = await startTestStack({ publisher: { signIn: { settings: mpPlaceholder, landing: true, adminUsers: ['boss@contoso.example.com'] } } });
  });
  after(() => stack?.close());

  it('asks the buyer to sign in before showing the purchase, then shows who signed in', async () => {
    const bought = await stack.mp.purchase();
    const browser = new Browser();
    const signInPage = await browser.go(bought.landingPageUrl!);
    assert.equal(new URL(signInPage.url).origin, stack.mp.url, 'sent to the identity provider first');
    assert.match(signInPage.text, /id="sign-in"/);
    const landing = await browser.signIn(signInPage, 'pat@customer.example.com');
    assert.equal(landing.status, 200, landing.text);
    assert.match(landing.text, /Signed in as Pat Buyer \(pat@customer\.example\.com\)/);
    assert.match(landing.text, /Confirm your purchase/);
  });

  it('lets a listed user into the console, and no one else', async () => {
    const boss = new Browser();
    const start = await boss.go(`${stack.publisherUrl}/auth/login?for=admin&next=/admin`);
    const console = await boss.signIn(start, 'boss@contoso.example.com');
    assert.equal(console.status, 200);
    assert.match(console.text, /<h1>Subscriptions/);

    const stranger = new Browser();
    const refused = await stranger.signIn(await stranger.go(`${stack.publisherUrl}/auth/login?for=admin&next=/admin`), 'someone@elsewhere.example.com');
    assert.match(refused.text, /may not use the console/);
    assert.equal((await stranger.go(`${stack.publisherUrl}/api/admin/subscriptions`)).status, 401);
  });

  it('refuses a callback whose state was not issued to this browser', async () => {
    const browser = new Browser();
    const page = await browser.go(`${stack.publisherUrl}/auth/login?next=/`);
    const other = new Browser();
    // The code reaches a browser that never started this sign-in.
    const fields = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decode(m[2]!)]));
    const response = await fetch(page.url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, login_email: 'x@y.example.com' }),
    });
    const callback = await other.go(response.headers.get('location')!);
    assert.equal(callback.status, 400);
    assert.match(callback.text, /sign in again/);
  });

  it("the emulator's sign-in sends codes only to the app's registered redirect URIs, and knows its tenants", async () => {
    const authorize = (tenant: string, redirectUri: string) =>
      `${stack.mp.url}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: DEV_PUBLISHER.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid email',
        state: 's',
      })}`;
    const phishing = await fetch(authorize(DEV_PUBLISHER.tenantId, 'https://evil.example/collect'));
    assert.equal(phishing.status, 400);
    assert.match(await phishing.text(), /AADSTS50011/);
    const posted = await fetch(authorize(DEV_PUBLISHER.tenantId, 'https://evil.example/collect'), {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        client_id: DEV_PUBLISHER.clientId,
        redirect_uri: 'https://evil.example/collect',
        scope: 'openid',
        login_email: 'pat@x.example',
      }),
    });
    assert.equal(posted.status, 400, 'no code is issued for it either');
    assert.equal(posted.headers.get('location'), null);
    const json = await fetch(authorize(DEV_PUBLISHER.tenantId, `${stack.publisherUrl}/auth/callback`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '',
    });
    assert.equal(json.status, 400, 'a body that is not a form is a refused sign-in, not a server error');
    assert.match(await json.text(), /AADSTS900144/);
    const unknownTenant = await fetch(authorize('99999999-9999-4999-8999-999999999999', `${stack.publisherUrl}/auth/callback`));
    assert.equal(unknownTenant.status, 400);
    assert.match(await unknownTenant.text(), /AADSTS90002/);
    assert.equal((await fetch(authorize(DEV_PUBLISHER.tenantId, `${stack.publisherUrl}/auth/callback`))).status, 200, 'the registered one');
  });
});

describe('sign-in behind a public URL', () => {
  it('makes the redirect URI from PUBLIC_URL, never from the Host header, and marks cookies Secure', async () => {
    const stack = await startTestStack({
      publisher: {
        publicUrl: 'https://saas.example.com',
        signIn: { settings: { issuer: '', clientId: DEV_PUBLISHER.clientId, clientSecret: DEV_PUBLISHER.clientSecret }, landing: false, adminUsers: [] },
      },
    });
    try {
      const answer = await new Promise<{ location: string; cookies: string[] }>((resolve, reject) => {
        const target = new URL(`${stack.publisherUrl}/auth/login?next=/`);
        const outgoing = request(
          { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, headers: { host: 'evil.example' } },
          (response) => {
            response.resume();
            resolve({ location: String(response.headers.location), cookies: response.headers['set-cookie'] ?? [] });
          },
        );
        outgoing.on('error', reject);
        outgoing.end();
      });
      assert.equal(new URL(answer.location).searchParams.get('redirect_uri'), 'https://saas.example.com/auth/callback');
      assert.ok(answer.cookies.length > 0 && answer.cookies.every((c) => /;\s*Secure/i.test(c)), answer.cookies.join(' | '));
    } finally {
      await stack.close();
    }
  });
});
