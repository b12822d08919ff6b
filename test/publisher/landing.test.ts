// The buyer's pages over real HTTP: the vendor's branding, plans and statuses in words, and activation
// that redirects to a status page which is safe to reload and refreshes itself while the account is set up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenFields, WebSession } from '../helpers/web-session.js';
import { until } from '../helpers/wait.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { openProduct } from '@saas-fulfillment/publisher/internals';

const BRANDING = {
  productName: 'Fabrikam Analytics',
  logoUrl: 'https://cdn.fabrikam.example/logo.svg',
  productUrl: 'https://app.fabrikam.example/',
  supportContact: 'help@fabrikam.example',
};

describe('landing and status pages', () => {
  let stack: TestStack;
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  /** While true, provisioning fails (and is retried by the worker). */
  let failing = false;

  before(async () => {
    stack = await startTestStack({
      publisher: { branding: BRANDING, activationWaitMs: 300 },
      hooks: {
        provision: async () => {
          if (failing) throw new Error('tenant store is down');
          await gate;
        },
      },
    });
  });
  after(() => stack.close());

  const open = async (planId = 'pro', quantity: number | undefined = 3) => {
    const bought = await stack.mp.purchase({ planId, quantity, name: 'Northwind team' });
    const browser = new WebSession(stack.publisherUrl);
    const { text: page } = await browser.get(bought.landingPageUrl);
    return { bought, page, browser, form: /name="form" value="([^"]+)"/.exec(page)?.[1] };
  };
  const activate = async (opened: { browser: WebSession; page: string }) => {
    const response = await opened.browser.post('/landing/activate', hiddenFields(opened.page, '/landing/activate'));
    assert.equal(response.status, 303, 'the confirmation redirects (a reload never posts twice)');
    const location = response.location!;
    assert.match(location, /^\/landing\/status\?ticket=/);
    return `${stack.publisherUrl}${location}`;
  };

  it("shows the purchase under the vendor's brand, with the plan's name and the status in words", async () => {
    const { page } = await open();
    assert.match(page, /<title>[^<]*Fabrikam Analytics<\/title>/);
    assert.match(page, /<img src="https:\/\/cdn\.fabrikam\.example\/logo\.svg"/);
    assert.match(page, /Welcome to Fabrikam Analytics/);
    assert.match(page, /<dd id="plan">Pro<\/dd>/, "the plan's display name from the marketplace, not its id");
    assert.match(page, /Waiting for activation/);
    assert.doesNotMatch(page, />PendingFulfillmentStart</);
    assert.match(page, /1 month/);
    assert.match(page, /href="mailto:help@fabrikam\.example"/);
    assert.doesNotMatch(page, /Contoso/, 'no other product name');
  });

  it('names the subscription in the product link where PRODUCT_URL asks for it, encoded', () => {
    const link = openProduct({ productName: 'Fabrikam', productUrl: 'https://app.fabrikam.example/s/{subscriptionId}?from=landing' }, 'a b"<');
    assert.match(link.value, /href="https:\/\/app\.fabrikam\.example\/s\/a%20b%22%3C\?from=landing"/);
    assert.equal(openProduct({ productName: 'Fabrikam' }, 'x').value, '', 'no link without PRODUCT_URL');
  });

  it('activates, then shows a status page that reloads safely and links to the product', async () => {
    const opened = await open();
    const { bought } = opened;
    const status = await activate(opened);
    for (let reload = 0; reload < 2; reload++) {
      const response = await fetch(status);
      assert.equal(response.status, 200);
      const page = await response.text();
      assert.match(page, /Your subscription is active/);
      assert.match(page, /<a class="button" id="open-product" href="https:\/\/app\.fabrikam\.example\/">Open Fabrikam Analytics<\/a>/);
      assert.doesNotMatch(page, /http-equiv="refresh"/, 'nothing left to wait for');
    }
    const activations = (await stack.publisher.publisher.store.jobs.list({ subscriptionId: bought.subscriptionId, limit: 20 })).filter(
      (j) => j.kind === 'activate',
    );
    assert.equal(activations.length, 1, 'reloading the status page activates nothing again');
  });

  it('refreshes itself while provisioning runs, and shows the result when it is done', async () => {
    gate = new Promise((resolve) => (release = resolve));
    const opened = await open('enterprise', 12);
    const { bought } = opened;
    const status = await activate(opened);
    const waiting = await (await fetch(status)).text();
    assert.match(waiting, /Setting up your account/);
    assert.match(waiting, /<meta http-equiv="refresh" content="2">/);
    release();
    gate = Promise.resolve();
    const page = await until(async () => {
      const text = await (await fetch(status)).text();
      return /is active/.test(text) ? text : undefined;
    }, 'the status page to say it is active');
    assert.match(page, /Your subscription is active/);
    assert.match(page, /Enterprise plan with 12 seats/);
    assert.equal((await stack.publisher.publisher.store.getSubscription(bought.subscriptionId))?.status, 'Subscribed');
  });

  it('says so when provisioning failed, and keeps checking', async () => {
    failing = true;
    const status = await activate(await open());
    const failed = await until(async () => {
      const page = await (await fetch(status)).text();
      return /could not set up/.test(page) ? page : undefined;
    }, 'the failure on the status page');
    assert.match(failed, /<meta http-equiv="refresh" content="10">/);
    failing = false;
    const active = await until(async () => {
      const page = await (await fetch(status)).text();
      return /is active/.test(page) ? page : undefined;
    }, 'the retried provisioning to succeed');
    assert.doesNotMatch(active, /could not set up/);
  });

  it('refuses a tampered status link, and an activation form used as one', async () => {
    const opened = await open();
    const { form } = opened;
    const status = new URL(await activate(opened));
    const ticket = status.searchParams.get('ticket')!;
    const [id, expires] = ticket.split('.');
    const longer = await fetch(`${stack.publisherUrl}/landing/status?ticket=${encodeURIComponent(`${id}.${Number(expires) + 1}.${ticket.split('.')[2]}`)}`);
    assert.equal(longer.status, 400);
    const wrongPurpose = await fetch(`${stack.publisherUrl}/landing/status?ticket=${encodeURIComponent(form!)}`);
    assert.equal(wrongPurpose.status, 400);
  });
});
