// The buyer's pages tell the truth and always offer a next step: a free trial says so (and not "billing
// starts"), a flat plan shows no seats, a reseller purchase shows both organizations, and the pages after
// activation, for a suspended and for a cancelled subscription each give a link to go on (the product, or
// where the subscription is managed at Microsoft), a cancelled one the exact day its data is kept until.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dayWords } from '@saas-fulfillment/web';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

type Body = Record<string, unknown>;

/** The page's main content, without the frame (header, footer). */
const mainOf = (page: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(page)?.[1] ?? page;
const hasLink = (page: string) => /<a [^>]*href="[^"]+"/.test(mainOf(page));

describe('buyer pages', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({});
  });
  after(() => stack.close());

  const landing = async (purchase: Body) => {
    const bought = await stack.mp.purchase(purchase);
    const buyer = new WebSession(stack.publisherUrl);
    return { bought, buyer, page: (await buyer.get(bought.landingPageUrl)).text };
  };
  const manage = async (id: string) => {
    const fresh = (await stack.mp.http('POST', `/simulator/subscriptions/${id}/token`)).body as { landingPageUrl: string };
    return (await new WebSession(stack.publisherUrl).get(fresh.landingPageUrl)).text;
  };
  const act = async (id: string, action: string) => {
    assert.equal((await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action } })).status, 202);
    await stack.settle();
  };

  it('a free trial says so, and does not say billing starts at once', async () => {
    const { page } = await landing({ planId: 'basic', quantity: undefined, isFreeTrial: true });
    assert.match(page, /free trial starts when your account is ready/);
    assert.match(page, /starting with a free trial/);
    assert.doesNotMatch(page, /Billing starts when your account is ready/);
  });

  it('a flat plan shows no seats; a per-seat plan shows them', async () => {
    assert.doesNotMatch((await landing({ planId: 'basic', quantity: undefined })).page, /Seats|not priced per seat/);
    assert.match((await landing({ planId: 'pro', quantity: 4 })).page, /<dt>Seats<\/dt><dd id="seats">4<\/dd>/);
  });

  it('a reseller purchase shows the reseller and the customer, each with its organization', async () => {
    const { bought, page } = await landing({ planId: 'pro', quantity: 2, csp: true });
    const theirs = (await stack.mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}`)).body as { purchaser: Body; beneficiary: Body };
    assert.notEqual(theirs.purchaser.tenantId, theirs.beneficiary.tenantId);
    for (const tenant of [theirs.purchaser.tenantId, theirs.beneficiary.tenantId]) assert.ok(page.includes(String(tenant)), `tenant ${String(tenant)} shown`);
    assert.match(page, /Bought through<\/dt><dd>a reseller/);
  });

  it('after activation, suspended and cancelled: each page offers a way on', async () => {
    const { bought, buyer, page } = await landing({ planId: 'pro', quantity: 3 });
    const confirmed = await buyer.post('/landing/activate', hiddenFields(page, '/landing/activate'));
    const active = (await buyer.get(confirmed.location!)).text;
    assert.match(active, /Your subscription is active/);
    assert.ok(hasLink(active), 'the page after activation links on');
    assert.match(active, /PRODUCT_URL, SUPPORT_CONTACT/, 'and tells the vendor what to set, as none is set here');

    const id = bought.subscriptionId;
    await act(id, 'Suspend');
    const suspended = await manage(id);
    assert.match(suspended, /suspended: Microsoft could not collect its payment/);
    assert.match(suspended, /Settle the payment in the <a href="https:\/\/portal\.azure\.com/);

    await act(id, 'Unsubscribe');
    const entitlement = (await (
      await fetch(`${stack.publisherUrl}/api/entitlements/${id}`, { headers: { authorization: `Bearer ${APP_API_KEY}` } })
    ).json()) as {
      dataRetainedUntil: string;
    };
    const cancelled = await manage(id);
    assert.ok(cancelled.includes(`Your data is kept until ${dayWords(entitlement.dataRetainedUntil)}.`), 'the exact day, as the entitlement API has it');
    assert.ok(hasLink(cancelled), 'the cancelled page links on');
  });

  it('an expired link says where to get a fresh one, with links', async () => {
    const expired = await (await fetch(`${stack.publisherUrl}/landing?token=${encodeURIComponent('no+such/token==')}`)).text();
    assert.match(expired, /expired or is not valid/);
    assert.ok(hasLink(expired));
  });
});
