// The simulator is a developer's tool on their own machine, and any web page they open is a way in: a
// form posted to the control API moved the marketplace clock, and a page that rebinds its own name to
// 127.0.0.1 (DNS rebinding) was served. Each attack, and that the tool still works for its own pages
// and for the command line.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
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
