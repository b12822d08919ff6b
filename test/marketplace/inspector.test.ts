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

  it('forgets on reset, with the rest of the state', async () => {
    await mp.http('POST', '/simulator/reset');
    assert.deepEqual(await inspected(), []);
  });
});
