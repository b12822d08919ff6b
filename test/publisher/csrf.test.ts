// Cross-site request forgery against the console and the landing page, as it was found to work: a page on
// a sibling origin (another port or subdomain of the same site) auto-submits the console's cancel form
// with the admin's cookie. Each way in is tried, and the subscription is checked to be untouched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

describe('forged requests from another origin', () => {
  let stack: TestStack;
  let admin: WebSession;
  let id: string;
  const sibling = 'http://127.0.0.1:9';
  before(async () => {
    stack = await startTestStack();
    id = await stack.mp.subscribe({ planId: 'pro', quantity: 2 });
    await stack.publisher.publisher.fulfillment.projection.reconcile();
    admin = await stack.admin();
  });
  after(() => stack.close());

  const cancelForm = async () => hiddenFields((await admin.get(`/admin/subscriptions/${id}`)).text, `/admin/subscriptions/${id}/change`);
  const untouched = async () => {
    const operations = await stack.client.listOperations(id);
    assert.deepEqual(operations, [], 'no operation was started');
    assert.equal((await stack.publisher.publisher.store.getSubscription(id))?.status, 'Subscribed');
  };

  it("refuses the console's cancel form posted from a sibling origin, even with the right token", async () => {
    const fields = { ...(await cancelForm()), cancel: 'yes' };
    const forged = await admin.post(`/admin/subscriptions/${id}/change`, fields, { origin: sibling });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /CrossOriginRequest/);
    const sameSite = await admin.post(`/admin/subscriptions/${id}/change`, fields, { 'sec-fetch-site': 'same-site' });
    assert.equal(sameSite.status, 403, 'a same-site (not same-origin) request is refused too');
    const sandboxed = await admin.post(`/admin/subscriptions/${id}/change`, fields, { origin: 'null', 'sec-fetch-site': 'cross-site' });
    assert.equal(sandboxed.status, 403, 'a sandboxed frame on another site');
    await untouched();
  });

  it('refuses a form post without the page token, or with a token from another session', async () => {
    const missing = await admin.post(`/admin/subscriptions/${id}/change`, { cancel: 'yes' });
    assert.equal(missing.status, 403);
    assert.match(missing.text, /FormExpired/);
    const attacker = new WebSession(stack.publisherUrl);
    const theirs = hiddenFields((await attacker.get('/admin/login')).text, '/admin/login')._csrf!;
    const borrowed = await admin.post(`/admin/subscriptions/${id}/change`, { cancel: 'yes', _csrf: theirs });
    assert.equal(borrowed.status, 403, "the attacker's own token is no good in the admin's session");
    await untouched();
  });

  it('takes the same form from the console itself', async () => {
    const sameOrigin = await admin.post(`/admin/subscriptions/${id}/change`, { ...(await cancelForm()), quantity: '3' }, { origin: stack.publisherUrl });
    assert.equal(sameOrigin.status, 303);
    assert.doesNotMatch(sameOrigin.location ?? '', /error=/);
  });

  it('the JSON API takes JSON only, and never from another origin', async () => {
    const post = (headers: Record<string, string>, body?: string) =>
      fetch(`${stack.publisherUrl}/api/admin/subscriptions/${id}/cancel`, { method: 'POST', headers: { cookie: admin.cookie, ...headers }, body });
    assert.equal((await post({ 'content-type': 'application/x-www-form-urlencoded' }, '')).status, 415, 'a form post');
    assert.equal((await post({ 'content-type': 'text/plain' }, '{}')).status, 415, 'a no-cors fetch');
    assert.equal((await post({ origin: sibling })).status, 403, 'a bodiless fetch from a sibling origin');
    const operationsBefore = await stack.client.listOperations(id);
    assert.ok(
      operationsBefore.every((o) => o.action !== 'Unsubscribe'),
      'nothing was cancelled',
    );
  });

  it('signing out is a form post: a link or an image on another page cannot sign the admin out', async () => {
    const link = await admin.get('/admin/logout');
    assert.equal(link.status, 404);
    assert.equal((await admin.get('/api/admin/subscriptions')).status, 200, 'still signed in');
  });

  it('the landing page activates only from its own form', async () => {
    const bought = await stack.mp.purchase({ planId: 'pro', quantity: 1 });
    const buyer = new WebSession(stack.publisherUrl);
    const page = (await buyer.get(bought.landingPageUrl)).text;
    const { form } = hiddenFields(page, '/landing/activate');
    const stranger = await fetch(`${stack.publisherUrl}/landing/activate`, { method: 'POST', body: new URLSearchParams({ form: form! }), redirect: 'manual' });
    assert.equal(stranger.status, 403, 'the signed purchase field alone is not enough');
    const fromElsewhere = await buyer.post('/landing/activate', hiddenFields(page, '/landing/activate'), { origin: sibling });
    assert.equal(fromElsewhere.status, 403);
    assert.equal((await stack.client.getSubscription(bought.subscriptionId)).saasSubscriptionStatus, 'PendingFulfillmentStart');
    const own = await buyer.post('/landing/activate', hiddenFields(page, '/landing/activate'));
    assert.equal(own.status, 303);
  });
});
