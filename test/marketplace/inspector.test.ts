// The request inspector: each call answered on Microsoft's behalf is kept (who, what, the answer, how
// long), filterable by subscription, bounded; and no secret it carried (client secret, assertion, access
// token, landing token) is ever shown, in the control API or on the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import type { InspectedCall } from '@saas-fulfillment/marketplace/simulator-client';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

describe('the request inspector', () => {
  let mp: TestMarketplace;
  let accessToken: string;
  let landingToken: string;
  let subscriptionId: string;
  let other: string;
  const inspected = async (query = '') => ((await mp.http('GET', `/simulator/requests${query}`)).body as { requests: InspectedCall[] }).requests;

  before(async () => {
    mp = await startTestMarketplace({ inspectedCalls: 8 });
    accessToken = await mp.token();
    const bought = await mp.purchase({ planId: 'pro', quantity: 3 });
    ({ subscriptionId, token: landingToken } = bought);
    await mp.api('POST', '/saas/subscriptions/resolve', { token: accessToken, headers: { 'x-ms-marketplace-token': landingToken } });
    await mp.api('POST', `/saas/subscriptions/${subscriptionId}/activate`, { token: accessToken, body: { planId: 'pro', quantity: 3 } });
    other = await mp.subscribe({ planId: 'basic', quantity: undefined });
  });
  after(() => mp.close());

  it('keeps each call with its caller, answer and time taken, oldest first', async () => {
    const calls = await inspected();
    const resolve = calls.find((c) => c.path.includes('/resolve'));
    assert.ok(resolve, JSON.stringify(calls.map((c) => c.path)));
    assert.equal(resolve.method, 'POST');
    assert.equal(resolve.status, 200);
    assert.equal(resolve.publisherId, 'contoso');
    assert.equal(resolve.clientId, DEV_PUBLISHER.clientId);
    assert.ok(resolve.durationMs >= 0);
    assert.deepEqual(resolve.subscriptionIds, [subscriptionId], 'the resolve answer names the subscription');
    const token = calls.find((c) => c.path.includes('/oauth2/v2.0/token'));
    assert.equal(token?.clientId, DEV_PUBLISHER.clientId, 'a token request is told by the client id it sent');
    const seqs = calls.map((c) => c.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
  });

  it('filters by subscription, and follows from a seq', async () => {
    const about = await inspected(`?subscriptionId=${subscriptionId}`);
    assert.ok(about.length >= 2);
    assert.ok(about.every((c) => c.subscriptionIds.includes(subscriptionId)));
    assert.ok(!about.some((c) => c.subscriptionIds.includes(other)));
    const last = (await inspected()).at(-1)!.seq;
    assert.deepEqual(await inspected(`?after=${last}`), []);
    await mp.api('GET', `/saas/subscriptions/${other}`, { token: accessToken });
    const newer = await inspected(`?after=${last}`);
    assert.deepEqual(
      newer.map((c) => [c.method, c.subscriptionIds]),
      [['GET', [other]]],
    );
  });

  it('keeps only the newest calls, as many as it was told, and a long body only by its length', async () => {
    for (let i = 0; i < 11; i++) await mp.api('GET', `/saas/subscriptions/${other}`, { token: accessToken });
    await mp.api('PATCH', `/saas/subscriptions/${other}`, { token: accessToken, body: { planId: 'pro', padding: 'x'.repeat(20_000) } });
    const calls = await inspected();
    assert.equal(calls.length, 8);
    const seqs = calls.map((c) => c.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: 8 }, (_, i) => seqs[0]! + i),
      'eight calls in a row',
    );
    const newest = calls.at(-1)!;
    assert.equal(newest.method, 'PATCH', 'the newest call is kept, not the oldest');
    assert.match(String(newest.request), /^\(20,\d{3} characters: too long to keep\)$/);
  });

  it('measures a body sent in chunks, with no length declared, and shows a body shaped like its marker as sent', async () => {
    const body = JSON.stringify({ planId: 'pro', padding: 'y'.repeat(20_000) });
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    await fetch(`${mp.url}/api/saas/subscriptions/${other}?api-version=2018-08-31`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    assert.match(String((await inspected()).at(-1)!.request), /^\(20,\d{3} characters: too long to keep\)$/);

    await mp.api('PATCH', `/saas/subscriptions/${other}`, { token: accessToken, body: { planId: 'pro', tooLong: 5 } });
    assert.deepEqual((await inspected()).at(-1)!.request, { planId: 'pro', tooLong: 5 });
  });

  it('shows a body nesting thousands deep as the text sent, in the JSON and on the page, without failing (N1)', async () => {
    const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`;
    for (let i = 0; i < 3; i++) {
      await fetch(`${mp.url}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    }
    const answer = await mp.http('GET', '/simulator/requests');
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    const newest = (answer.body as { requests: InspectedCall[] }).requests.at(-1)!;
    assert.equal(newest.request, deep, 'kept and shown as the text sent');
    const listPage = await mp.http('GET', '/requests?live=off');
    assert.equal(listPage.status, 200);
    assert.ok(listPage.text.length < 200_000, `the list shows no bodies (${listPage.text.length} characters)`);
    const callPage = await mp.http('GET', `/requests/${newest.seq}`);
    assert.equal(callPage.status, 200);
    assert.ok(callPage.text.includes(deep), 'the page of the call shows the body whole, as sent');
    assert.ok(callPage.text.length < deep.length + 20_000, 'and not indented level by level');
  });

  it('never shows a landing token or secret however its name is written: query, encoded key or JSON member (N9)', async () => {
    const secret = 'not-a-jwt-landing-token/with+base64==';
    await fetch(`${mp.url}/api/saas/subscriptions/resolve?api-version=2018-08-31&x-ms-marketplace-token=${encodeURIComponent(secret)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ marketplaceToken: secret, nested: { clientSecret: secret } }),
    });
    await fetch(`${mp.url}/api/saas/subscriptions/${other}?api-version=2018-08-31&client%5Fsecret=${encodeURIComponent(secret)}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const deep = `{"a":${'['.repeat(40)}{"marketplaceToken":"${secret}"}${']'.repeat(40)}}`;
    await fetch(`${mp.url}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    const calls = await inspected();
    const json = JSON.stringify(calls);
    const encoded = encodeURIComponent(secret);
    assert.ok(!json.includes(secret) && !json.includes(encoded), json.slice(-1500));
    for (const call of calls.slice(-3)) {
      const page = (await mp.http('GET', `/requests/${call.seq}`)).text;
      assert.ok(!page.includes(secret) && !page.includes(encoded) && !page.includes('with+base64'), `the page of ${call.path} shows the token`);
    }
    assert.match(json, /x-ms-marketplace-token=\[hidden\]/);
    assert.match(json, /client%5Fsecret=\[hidden\]/);
  });

  it('never shows a secret: not the client secret, the assertion, the access token or the landing token, in JSON or on the page', async () => {
    await mp.http('POST', `/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, {
      form: {
        grant_type: 'client_credentials',
        client_id: DEV_PUBLISHER.clientId,
        client_secret: DEV_PUBLISHER.clientSecret,
        scope: `${MARKETPLACE_RESOURCE_ID}/.default`,
      },
    });
    await mp.http('POST', `/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, {
      form: {
        grant_type: 'client_credentials',
        client_id: DEV_PUBLISHER.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: accessToken,
        scope: `${MARKETPLACE_RESOURCE_ID}/.default`,
      },
    });
    const fresh = await mp.token();
    await mp.api('POST', '/saas/subscriptions/resolve', { token: fresh, headers: { 'x-ms-marketplace-token': landingToken } });
    await mp.api('GET', `/saas/subscriptions/${subscriptionId}?code=${encodeURIComponent(accessToken)}`, { token: fresh });
    const json = (await mp.http('GET', '/simulator/requests')).text;
    const page = (await mp.http('GET', `/requests?subscriptionId=${subscriptionId}&live=off`)).text;
    for (const [name, text] of [
      ['the control API', json],
      ['the page', page],
    ] as const) {
      for (const secret of [DEV_PUBLISHER.clientSecret, accessToken, fresh, landingToken, accessToken.split('.')[2]!]) {
        assert.ok(!text.includes(secret), `${name} shows a secret (${secret.slice(0, 12)}…)`);
      }
    }
    assert.match(json, /"client_secret":"\[hidden\]"/);
    assert.match(json, /"access_token":"\[hidden\]"/);
    assert.match(page, /POST \/api\/saas\/subscriptions\/resolve/);
  });

  it('holds bodies within a size, not only a count: the oldest give theirs up (N10)', async () => {
    const big = await startTestMarketplace();
    try {
      const token = await big.token();
      const id = await big.subscribe({ planId: 'pro', quantity: 2 });
      const padding = 'z'.repeat(15_000);
      for (let i = 0; i < 600; i++) await big.api('PATCH', `/saas/subscriptions/${id}`, { token, body: { planId: 'enterprise', padding } });
      const calls = ((await big.http('GET', '/simulator/requests?limit=1000')).body as { requests: InspectedCall[] }).requests;
      assert.equal(calls.length, 500, 'as many calls as it keeps');
      const held = calls.reduce((sum, c) => sum + JSON.stringify(c.request).length + JSON.stringify(c.response).length, 0);
      assert.ok(held <= 4.5 * 1024 * 1024, `${held} characters of bodies held`);
      assert.match(String(calls[0]!.request), /characters: dropped to keep the log small\)$/);
      assert.equal((calls.at(-1)!.request as { padding: string }).padding, padding, 'the newest keep theirs');
    } finally {
      await big.close();
    }
  });

  it('forgets on reset, with the rest of the state', async () => {
    await mp.http('POST', '/simulator/reset');
    assert.deepEqual(await inspected(), []);
  });
});
