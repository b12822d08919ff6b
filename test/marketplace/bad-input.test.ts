// Bad input of every kind gets a 4xx with a JSON body naming the problem, never a 500; unknown extra
// fields are ignored as Microsoft's API does. Also: paging through more than one page of subscriptions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

type Body = Record<string, unknown>;

describe('bad input', () => {
  let mp: TestMarketplace;
  let id: string;

  before(async () => {
    mp = await startTestMarketplace();
    id = (await mp.purchase()).subscriptionId;
  });
  after(() => mp.close());

  const expectError = (r: { status: number; body: unknown; text: string }, status: number, target?: string) => {
    assert.equal(r.status, status, r.text);
    const body = r.body as Body;
    assert.equal(typeof body.code, 'string', r.text);
    assert.equal(typeof body.message, 'string');
    if (target !== undefined) assert.equal(body.target, target, r.text);
  };

  it('malformed JSON: 400 naming the body', async () => {
    expectError(await mp.api('POST', `/saas/subscriptions/${id}/activate`, { rawBody: '{"planId": "pro",' }), 400, 'body');
  });

  it('a JSON body that is not an object: 400', async () => {
    expectError(await mp.api('POST', `/saas/subscriptions/${id}/activate`, { rawBody: '"pro"' }), 400);
  });

  it('wrong types: 400 naming the field', async () => {
    expectError(await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 42 } }), 400, 'planId');
    expectError(await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 'pro', quantity: 2.5 } }), 400, 'quantity');
    expectError(await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 'pro', quantity: -1 } }), 400, 'quantity');
  });

  it('a missing body: 400', async () => {
    expectError(await mp.api('POST', `/saas/subscriptions/${id}/activate`), 400);
  });

  it('an oversize body: 413', async () => {
    expectError(await mp.api('POST', `/saas/subscriptions/${id}/activate`, { rawBody: JSON.stringify({ planId: 'x'.repeat(200_000) }) }), 413, 'body');
  });

  it('a body that is not JSON: 415', async () => {
    expectError(
      await mp.api('POST', `/saas/subscriptions/${id}/activate`, { rawBody: 'planId=pro', headers: { 'content-type': 'text/plain' } }),
      415,
      'content-type',
    );
  });

  it('an id that is not a GUID: 404 naming the parameter', async () => {
    expectError(await mp.api('GET', '/saas/subscriptions/not-a-guid'), 404, 'subscriptionId');
    expectError(await mp.api('GET', `/saas/subscriptions/${id}/operations/123`), 404, 'operationId');
  });

  it('a continuationToken the API never issued: 400 naming it', async () => {
    const r = await mp.http('GET', '/api/saas/subscriptions?api-version=2018-08-31&continuationToken=%%%', {
      headers: { authorization: `Bearer ${await mp.token()}` },
    });
    expectError(r, 400, 'continuationToken');
  });

  it('unknown fields are ignored', async () => {
    const r = await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 'pro', quantity: 5, futureField: { nested: true } } });
    assert.equal(r.status, 200, r.text);
  });

  it('an unknown route: 404 JSON', async () => {
    expectError(await mp.http('GET', '/api/saas/nothing-here?api-version=2018-08-31'), 404);
  });

  it('simulator input is checked as strictly', async () => {
    expectError(await mp.http('POST', '/simulator/purchases', { body: { offerId: 'contoso-saas' } }), 400, 'planId');
    expectError(await mp.http('POST', '/simulator/purchases', { body: { offerId: 'contoso-saas', planId: 'pro', quantity: 0 } }), 400, 'quantity');
    expectError(await mp.http('POST', '/simulator/purchases', { body: { offerId: 'contoso-saas', planId: 'nope' } }), 400, 'planId');
    expectError(await mp.http('POST', '/simulator/purchases', { body: { offerId: 'contoso-saas', planId: 'basic', quantity: 3 } }), 400, 'quantity');
    expectError(await mp.http('POST', '/simulator/purchases', { body: { offerId: 'contoso-saas', planId: 'enterprise', termUnit: 'P2Y' } }), 400, 'termUnit');
    expectError(await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Explode' } }), 400, 'action');
    expectError(await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Reinstate' } }), 400, 'action');
    expectError(await mp.http('POST', '/simulator/subscriptions/00000000-0000-4000-8000-000000000000/actions', { body: { action: 'Suspend' } }), 404);
  });
});

describe('pagination', () => {
  let mp: TestMarketplace;
  before(async () => {
    mp = await startTestMarketplace();
  });
  after(() => mp.close());

  it('pages through 250 subscriptions, 100 at a time, by following @nextLink', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 250; i++) ids.add((await mp.purchase()).subscriptionId);
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let next: string | undefined = `${mp.url}/api/saas/subscriptions?api-version=2018-08-31`;
    while (next) {
      const url: URL = new URL(next);
      assert.equal(url.searchParams.get('api-version'), '2018-08-31', '@nextLink carries the api-version');
      const page = await mp.api('GET', url.pathname.replace(/^\/api/, ''), {
        query: Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'api-version')),
      });
      const body = page.body as { subscriptions: { id: string }[]; '@nextLink'?: string };
      pageSizes.push(body.subscriptions.length);
      seen.push(...body.subscriptions.map((s) => s.id));
      next = body['@nextLink'];
    }
    assert.deepEqual(pageSizes, [100, 100, 50]);
    assert.equal(seen.length, 250);
    assert.deepEqual(new Set(seen), ids);
  });
});
