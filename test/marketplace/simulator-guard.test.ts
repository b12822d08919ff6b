// The simulator is a developer's tool on their own machine, and any web page they open is a way in: a
// form posted to the control API moved the marketplace clock, and a page that rebinds its own name to
// 127.0.0.1 (DNS rebinding) was served. Each attack, and that the tool still works for its own pages
// and for the command line.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startMarketplace, type TestMarketplace as Fixture } from '@saas-fulfillment/marketplace/testing';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

/** A request with a Host header of our choosing, as a rebinding page's would arrive. */
function withHost(url: string, host: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        headers: { host, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the simulator against web pages the developer opens', () => {
  let mp: TestMarketplace;
  before(async () => {
    mp = await startTestMarketplace();
  });
  after(() => mp.close());

  const now = async () => ((await mp.http('GET', '/simulator/clock')).body as { offsetMs: number }).offsetMs;

  it('refuses a form posted to the control API (what moved the clock a day), and any post from another origin', async () => {
    const form = await fetch(`${mp.url}/simulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'advanceBy=P1D',
    });
    assert.equal(form.status, 415);
    const plain = await fetch(`${mp.url}/simulator/clock`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"advanceBy":"P1D"}' });
    assert.equal(plain.status, 415, 'a no-cors fetch with a text body');
    const reset = await fetch(`${mp.url}/simulator/reset`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    assert.equal(reset.status, 403, 'a bodiless post from another origin');
    assert.equal(await now(), 0, 'the clock did not move');
    // Chaos and workload identity tokens are simulator routes: the same guards hold.
    for (const [method, route, body] of [
      ['PUT', '/simulator/chaos', '{"api":{"rate":1}}'],
      ['POST', '/simulator/workload-identity/tokens', '{"subject":"attacker"}'],
    ] as const) {
      const foreign = await fetch(`${mp.url}${route}`, { method, headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body });
      assert.equal(foreign.status, 403, `${route} from another origin`);
      const asText = await fetch(`${mp.url}${route}`, { method, headers: { 'content-type': 'text/plain' }, body });
      assert.equal(asText.status, 415, `${route} with a text body`);
    }
    assert.equal(((await mp.http('GET', '/simulator/chaos')).body as { chaos: unknown }).chaos, null, 'chaos stayed off');
  });

  it('answers only the names it is bound to: a rebinding page is turned away, pages and API alike', async () => {
    const port = new URL(mp.url).port;
    const page = await withHost(`${mp.url}/`, `evil.example:${port}`);
    assert.equal(page.status, 421);
    assert.match(page.text, /evil\.example/);
    const api = await withHost(`${mp.url}/simulator/clock`, `evil.example:${port}`, 'POST', '{"advanceBy":"P1D"}');
    assert.equal(api.status, 421);
    assert.equal(await now(), 0);
    assert.equal((await withHost(`${mp.url}/`, `localhost:${port}`)).status, 200, 'localhost is this machine');
    assert.equal(
      (await withHost(`${mp.url}/api/saas/subscriptions?api-version=2018-08-31`, `evil.example:${port}`)).status,
      403,
      'the API answers by token, not by name',
    );
  });

  it("the simulator's own forms need their token; the command line's JSON needs none", async () => {
    const browser = new WebSession(mp.url);
    const page = (await browser.get('/subscriptions')).text;
    const noToken = await browser.post('/ui/clock', { advanceBy: 'P1D' });
    assert.equal(noToken.status, 403);
    assert.equal(await now(), 0);
    const withToken = await browser.post('/ui/clock', { ...hiddenFields(page, '/ui/clock'), advanceBy: 'P1D' });
    assert.equal(withToken.status, 303);
    assert.equal(await now(), 86_400_000);
    const cli = await fetch(`${mp.url}/simulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advanceBy":"P1D"}' });
    assert.equal(cli.status, 200);
    assert.equal(await now(), 2 * 86_400_000);
  });
});

describe('a simulator started with a control token, on a machine other people use (N11)', () => {
  const TOKEN = 'control-token-for-this-test-0123';
  let mp: Fixture;
  before(async () => {
    mp = await startMarketplace({ controlToken: TOKEN });
    const { subscriptionId } = await mp.simulator.purchase({ offerId: 'contoso-saas', planId: 'pro', quantity: 2 });
    await mp.client.activate(subscriptionId, { planId: 'pro', quantity: 2 });
  });
  after(() => mp.close());
  const call = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${mp.url}${route}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, body: text ? (JSON.parse(text) as { code?: string }) : undefined };
  };

  it('refuses every control and state route without the token: nothing replaced, no webhook redirected', async () => {
    const state = await mp.simulator.exportState();
    assert.equal(state.subscriptions.length, 1);
    const attempts: [string, string, unknown][] = [
      ['GET', '/simulator/state', undefined],
      ['PUT', '/simulator/state', { ...state, subscriptions: [], landingTokens: [], operations: [], deliveries: [], inbox: [], usage: [] }],
      ['PUT', '/simulator/publishers/contoso', { webhookUrl: 'http://127.0.0.1:9/stolen' }],
      ['POST', '/simulator/seed', {}],
      ['POST', '/simulator/clock', { advanceBy: 'P1D' }],
      ['POST', '/simulator/reset', undefined],
      ['GET', '/simulator/requests', undefined],
    ];
    for (const [method, route, body] of attempts) {
      for (const headers of [{}, { authorization: 'Bearer not-the-token-at-all-0000' }] as Record<string, string>[]) {
        const answer = await call(method, route, body, headers);
        assert.equal(answer.status, 401, `${method} ${route}: ${answer.text}`);
        assert.equal(answer.body?.code, 'ControlTokenRequired');
      }
    }
    const after = await mp.simulator.exportState();
    assert.equal(after.subscriptions.length, 1, 'the state is as it was');
    assert.equal(after.clock.offsetMs, 0);
    assert.ok(!(await mp.simulator.publishers()).publishers[0]!.webhookUrl.includes('stolen'), 'the webhook still goes where it did');
  });

  it('takes the token from the simulator client and leads a browser to a form for it', async () => {
    assert.equal((await mp.simulator.clock()).offsetMs, 0, "the fixture's client sends its token");
    const browser = new WebSession(mp.url);
    const first = await browser.get('/subscriptions');
    assert.equal(first.status, 303);
    assert.equal(first.location, '/control-token?next=%2Fsubscriptions');
    const wrong = await browser.submit(first.location!, '/control-token', { token: 'a wrong token, long enough' });
    assert.equal(wrong.status, 401);
    assert.equal((await browser.get('/subscriptions')).status, 303, 'still locked');
    const right = await browser.submit(first.location!, '/control-token', { token: TOKEN });
    assert.equal(right.status, 303);
    assert.equal(right.location, '/subscriptions');
    assert.equal((await browser.get('/subscriptions')).status, 200);
    assert.ok(!browser.cookie.includes(TOKEN), 'the cookie holds a proof of the token, not the token');
    const elsewhere = await browser.submit('/control-token?next=//evil.example/', '/control-token', { token: TOKEN });
    assert.equal(elsewhere.location, '/', 'the form never sends the browser to another site');
  });

  it('is at least 16 characters', async () => {
    await assert.rejects(startMarketplace({ controlToken: 'short' }), /at least 16 characters/);
  });
});

describe('a simulator reached through its public name', () => {
  it('answers that name as well', async () => {
    const mp = await startTestMarketplace({ publicUrl: 'http://simulator.test:8080' });
    try {
      assert.equal((await withHost(`${mp.url}/`, 'simulator.test:8080')).status, 200);
      assert.equal((await withHost(`${mp.url}/`, 'other.test:8080')).status, 421);
    } finally {
      await mp.close();
    }
  });
});
