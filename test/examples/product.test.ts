// The example product (examples/product) as an outsider meets it, against a live publisher and emulator:
// nobody uses or bills a workspace without signing in at the organization that bought it (N4); a user of
// another organization is turned away; the buyer signs in through the Entra stand-in and each API call
// says what became of its usage, a refusal included; live-update streams are bounded per subscription and
// never leak when callers go away mid-check (N5, N6).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectSocket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OffsetClock, usageHour } from '@saas-fulfillment/contract';
import { DEMO_CATALOG, type CatalogConfig } from '@saas-fulfillment/marketplace';
import { startProduct } from '../../examples/product/product.js';
import { DEV_PUBLISHER } from '../helpers/marketplace.js';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { freePort } from '../helpers/ports.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';
import { until } from '../helpers/wait.js';

const EVENTS_SECRET = `whsec_${Buffer.from('an-example-product-test-secret!!').toString('base64')}`;

/** The demo catalog with plan pro metering nothing: the product bills its calls, and the publisher refuses them. */
function catalogWithUnmeteredPro(): CatalogConfig {
  const catalog = structuredClone(DEMO_CATALOG);
  const pro = catalog.publishers[0]!.offers[0]!.plans.find((plan) => plan.planId === 'pro')!;
  pro.meteringDimensions = [];
  return catalog;
}

describe('the example product', () => {
  let stack: TestStack;
  let product: Awaited<ReturnType<typeof startProduct>>;
  let productUrl: string;
  const clock = new OffsetClock();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'product-'));

  before(async () => {
    const port = await freePort();
    productUrl = `http://127.0.0.1:${port}`;
    // The publisher bills on the marketplace's clock, as under dev: the last test moves it.
    stack = await startTestStack({
      marketplace: { clock, catalog: catalogWithUnmeteredPro(), publisher: { redirectUris: [`${productUrl}/auth/callback`] } },
      publisher: { meteringClock: clock, events: { url: `${productUrl}/events`, secret: EVENTS_SECRET } },
    });
    product = await startProduct({
      host: '127.0.0.1',
      port,
      publisherUrl: stack.publisherUrl,
      apiKey: APP_API_KEY,
      eventsSecret: EVENTS_SECRET,
      dataDir,
      signIn: { authority: stack.mp.url, clientId: DEV_PUBLISHER.clientId, clientSecret: DEV_PUBLISHER.clientSecret },
    });
  });
  after(async () => {
    await product.close();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A browser signed in to the product as the buyer of `subscriptionId`: through the emulator's sign-in page. */
  const signedInAs = async (subscriptionId: string) => {
    const browser = new WebSession(productUrl);
    const opened = await browser.get(`/s/${subscriptionId}`);
    assert.equal(opened.status, 302, 'sent to sign in');
    const authorize = opened.location!;
    const entra = new WebSession(stack.mp.url);
    const page = await entra.get(authorize);
    assert.equal(page.status, 200, page.text.slice(0, 500));
    const email = /class="secondary account-choice">([^<]+)</.exec(page.text)?.[1];
    assert.ok(email, 'the sign-in page offers the buyer');
    // The account's own button: its form posts the authorization request back to the page's address.
    const account = /<form method="post" class="account">([\s\S]*?)<\/form>/.exec(page.text)?.[1] ?? '';
    const signedIn = await entra.post(authorize, hiddenFields(`<form method="post" action="account">${account}</form>`, 'account'));
    assert.equal(signedIn.status, 302, signedIn.text.slice(0, 300));
    const back = await browser.get(signedIn.location!);
    assert.equal(back.status, 303, back.text.slice(0, 300));
    assert.equal(back.location, `/s/${subscriptionId}`);
    return browser;
  };
  const usageOf = (id: string) => stack.publisher.publisher.store.usage.recordsOf(id, 10);

  it('shows and bills nothing to someone who has not signed in: the link leads to the organization that bought it (N4)', async () => {
    const id = await stack.buyAndActivate({ planId: 'enterprise', quantity: 10 });
    const anonymous = new WebSession(productUrl);
    const page = await anonymous.get(`/s/${id}`);
    assert.equal(page.status, 302);
    const { beneficiaryTenantId } = (await (
      await fetch(`${stack.publisherUrl}/api/entitlements/${id}`, { headers: { authorization: `Bearer ${APP_API_KEY}` } })
    ).json()) as {
      beneficiaryTenantId: string;
    };
    assert.ok(page.location!.startsWith(`${stack.mp.url}/${beneficiaryTenantId}/oauth2/v2.0/authorize?`), page.location!);
    assert.doesNotMatch(page.text, /workspace|Enterprise/i);
    const call = await fetch(`${productUrl}/s/${id}/api/reports`, { method: 'POST' });
    assert.equal(call.status, 401, 'the API is not used without a sign-in');
    const member = await anonymous.post(`/s/${id}/members`, { name: 'Mallory' }, { origin: productUrl });
    assert.equal(member.status, 401, 'no seat is taken without a sign-in');
    assert.equal((await fetch(`${productUrl}/s/${id}/updates`)).status, 404, 'no stream is held');
    assert.deepEqual(await usageOf(id), [], 'nothing was billed');
  });

  it('turns away a user signed in at another organization: nothing shown, nothing billed', async () => {
    const mine = await stack.buyAndActivate({ planId: 'enterprise', quantity: 10 });
    const theirs = await stack.buyAndActivate({ planId: 'enterprise', quantity: 10 });
    const browser = await signedInAs(mine);
    assert.equal((await browser.get(`/s/${mine}`)).status, 200);
    const other = await browser.get(`/s/${theirs}`);
    assert.equal(other.status, 403);
    assert.match(other.text, /belongs to another organization/);
    const call = await fetch(`${productUrl}/s/${theirs}/api/reports`, { method: 'POST', headers: { cookie: browser.cookie, origin: productUrl } });
    assert.equal(call.status, 403);
    assert.deepEqual(await usageOf(theirs), [], "the other organization's subscription was not billed");
  });

  it('lets the buyer in, and says of each API call whether it was billed', async () => {
    const id = await stack.buyAndActivate({ planId: 'enterprise', quantity: 10 });
    const browser = await signedInAs(id);
    const page = await browser.get(`/s/${id}`);
    assert.match(page.text, /id="plan">Enterprise</);
    assert.match(page.text, /id="signed-in">buyer-/);
    const answer = await fetch(`${productUrl}/s/${id}/api/reports`, { method: 'POST', headers: { cookie: browser.cookie, origin: productUrl } });
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as { billed: { status: string; billingHour: string }; calls: { calls: number; billed: number } };
    assert.equal(body.billed.status, 'accepted');
    assert.deepEqual([body.calls.calls, body.calls.billed], [1, 1], 'the count the page shows is current');
    assert.equal((await usageOf(id)).length, 1);
    assert.match((await browser.get(`/s/${id}`)).text, /One call so far: 1 billed\./);
  });

  it('never says a call was billed when the publisher refused its usage: the refusal and its reason are shown', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 3 });
    const browser = await signedInAs(id);
    const answer = await fetch(`${productUrl}/s/${id}/api/reports`, { method: 'POST', headers: { cookie: browser.cookie, origin: productUrl } });
    const body = (await answer.json()) as { billed: { status: string; code: string; message: string } };
    assert.deepEqual([body.billed.status, body.billed.code], ['refused', 'UnknownDimension']);
    assert.match((await browser.get(`/s/${id}`)).text, /1 not billed: Plan pro does not meter &#39;api_calls&#39;/);
  });

  it('holds at most twenty live-update streams per subscription, and frees every slot of a caller gone mid-check (N5, N6)', async () => {
    const id = await stack.buyAndActivate({ planId: 'enterprise', quantity: 10 });
    const browser = await signedInAs(id);
    const { hostname, port } = new URL(productUrl);
    // Callers that go away while the product still asks the publisher about them.
    await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connectSocket(Number(port), hostname, () => {
              socket.write(`GET /s/${id}/updates HTTP/1.1\r\nHost: ${hostname}:${port}\r\nCookie: ${browser.cookie}\r\n\r\n`);
              setImmediate(() => socket.destroy());
            });
            socket.on('close', () => resolve());
            socket.on('error', () => resolve());
          }),
      ),
    );
    const streams: AbortController[] = [];
    const open = async () => {
      const controller = new AbortController();
      streams.push(controller);
      const response = await fetch(`${productUrl}/s/${id}/updates`, { headers: { cookie: browser.cookie }, signal: controller.signal });
      return response.status;
    };
    try {
      // Every slot the departed callers touched is free again: twenty open, the twenty-first is refused.
      const statuses = await until(async () => {
        const opened: number[] = [];
        for (let i = 0; i < 20; i++) opened.push(await open());
        if (opened.every((status) => status === 200)) return opened;
        for (const stream of streams.splice(0)) stream.abort();
        return undefined;
      }, 'twenty streams to open');
      assert.deepEqual(new Set(statuses), new Set([200]));
      assert.equal(await open(), 503, 'one party cannot hold every slot');
    } finally {
      for (const stream of streams) stream.abort();
    }
  });

  it('bills a call made after the marketplace clock moved days ahead in the hour it happened there, never "recorded" and lost', async () => {
    const id = await stack.buyAndActivate({ planId: 'enterprise', quantity: 10 });
    const browser = await signedInAs(id);
    clock.advance(3 * 24 * 3_600_000);
    const answer = await fetch(`${productUrl}/s/${id}/api/reports`, { method: 'POST', headers: { cookie: browser.cookie, origin: productUrl } });
    const body = (await answer.json()) as { billed: { status: string; billingHour: string } };
    assert.equal(body.billed.status, 'accepted', JSON.stringify(body.billed));
    const [stored] = await usageOf(id);
    assert.equal(body.billed.billingHour, usageHour(stored!.occurred_at));
    assert.ok(Math.abs(Date.parse(stored!.occurred_at) - clock.now().getTime()) < 60_000, 'billed at marketplace time');
    assert.match((await browser.get(`/s/${id}`)).text, /One call so far: 1 billed\./);
  });
});
