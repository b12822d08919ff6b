// The purchase simulator in a real browser: buy, follow the landing link, act as the customer, and see
// the webhook delivery.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { after, before, describe, it } from 'node:test';
import { browserUnavailable, launchBrowser } from '../helpers/browser.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';

// Screenshots go to a temp folder; the README's come from layout.browser.test.ts.
const SCREENSHOTS = mkdtempSync(path.join(tmpdir(), 'shots-'));
const unavailable = browserUnavailable();

describe('purchase simulator in Chromium', { skip: unavailable }, () => {
  let browser: Browser;
  let page: Page;
  let mp: TestMarketplace;
  let receiver: WebhookReceiver;
  const landing = Fastify();
  const landedTokens: string[] = [];

  before(async () => {
    // A stand-in landing page that records the token exactly as the browser delivered it.
    landing.get('/landing', async (request, reply) => {
      landedTokens.push(new URLSearchParams(request.url.split('?')[1]).get('token') ?? '');
      return reply.type('text/html').send('<h1>Publisher landing page</h1>');
    });
    const landingUrl = await landing.listen({ host: '127.0.0.1', port: 0 });
    receiver = await startWebhookReceiver();
    mp = await startTestMarketplace({ publisher: { webhookUrl: receiver.url, landingPageUrl: `${landingUrl}/landing` } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await mp?.close();
    await receiver?.close();
    await landing.close();
  });

  it('buys a plan and follows the landing link with the token intact', async () => {
    await page.goto(`${mp.url}/`);
    await page.selectOption('#plan', 'contoso-saas/pro');
    await page.fill('#quantity', '7');
    await page.fill('#name', 'Fabrikam team');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'simulator-buy.png') });
    await page.click('#buy button[type=submit]');
    await page.waitForSelector('#landing-link');
    assert.match((await page.textContent('[role=status]')) ?? '', /Purchased/);
    const id = page.url().split('/subscriptions/')[1]!.split('?')[0]!;
    const href = (await page.getAttribute('#landing-link', 'href'))!;
    await page.screenshot({ path: path.join(SCREENSHOTS, 'simulator-purchased.png') });
    await page.click('#landing-link');
    await page.waitForSelector('text=Publisher landing page');
    assert.equal(landedTokens.length, 1);
    assert.equal(landedTokens[0], new URL(href).searchParams.get('token'));
    const resolved = await mp.api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': landedTokens[0]! } });
    assert.equal(resolved.status, 200);
    assert.equal((resolved.body as { id: string }).id, id);
    await mp.api('POST', `/saas/subscriptions/${id}/activate`, { body: { planId: 'pro', quantity: 7 } });
  });

  it('changes seats as the customer and shows the webhook delivery', async () => {
    await page.goto(`${mp.url}/subscriptions`);
    await page.click('text=Fabrikam team');
    await page.fill('input[name=quantity]', '9');
    await page.click('button:has-text("Change seats")');
    await page.waitForSelector('[role=status]');
    assert.match((await page.textContent('[role=status]')) ?? '', /Seat change requested: Microsoft asked the publisher to accept or reject it/);
    await receiver.waitFor(1);
    await mp.app.marketplace.worker.drain();
    await page.reload();
    const row = page.locator('tr.delivery').first();
    assert.match((await row.textContent()) ?? '', /Seat change/);
    assert.match((await row.textContent()) ?? '', /Delivered/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'simulator-subscription.png'), fullPage: true });
  });

  it('suspends and cancels, and explains a refused action in plain words', async () => {
    await page.click('button:has-text("Payment failed")');
    await page.waitForSelector('.badge.Suspended');
    await page.click('button:has-text("Cancel subscription")');
    await page.waitForSelector('h1 .badge.Unsubscribed');
    const id = page.url().split('/subscriptions/')[1]!.split('?')[0]!;
    // The page no longer offers Suspend; post it anyway, as a stale tab would (with the page's form token).
    const _csrf = (await page.getAttribute('input[name=_csrf]', 'value')) ?? '';
    const response = await page.request.post(`${mp.url}/ui/subscriptions/${id}/action`, { form: { action: 'Suspend', _csrf }, maxRedirects: 0 });
    assert.equal(response.status(), 303);
    assert.match(
      new URL(response.headers().location ?? '', mp.url).searchParams.get('error') ?? '',
      /Suspend is not possible while the subscription is Unsubscribed/,
    );
  });

  it('buys a private plan for the tenant it names, and keeps the chosen plan when a purchase is refused', async () => {
    await page.goto(`${mp.url}/`);
    const label = (await page.locator('#plan option[value="contoso-saas/partner-special"]').textContent()) ?? '';
    assert.doesNotMatch(label, /\(private\).*\(private\)/, 'said once');
    await page.selectOption('#plan', 'contoso-saas/partner-special');
    await page.click('button:has-text("Buy")');
    await page.waitForSelector('[role=alert]');
    assert.match((await page.textContent('[role=alert]')) ?? '', /not available|private/i);
    assert.equal(await page.inputValue('#plan'), 'contoso-saas/partner-special', 'the form keeps the plan chosen');
    // An e-mail that is not one is refused by the server too (the browser's own check aside).
    const _csrf = (await page.getAttribute('input[name=_csrf]', 'value')) ?? '';
    const badEmail = await page.request.post(`${mp.url}/ui/purchase`, {
      form: { _csrf, plan: 'contoso-saas/basic', beneficiaryEmail: 'not-an-email' },
      maxRedirects: 0,
    });
    assert.equal(badEmail.status(), 400);
    await page.fill('#beneficiaryTenantId', '33333333-3333-4333-8333-333333333333');
    await page.click('button:has-text("Buy")');
    await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}/);
    const id = page.url().split('/subscriptions/')[1]!.split('?')[0]!;
    const bought = (await mp.api('GET', `/saas/subscriptions/${id}`)).body as { planId: string; beneficiary: { tenantId: string } };
    assert.deepEqual([bought.planId, bought.beneficiary.tenantId], ['partner-special', '33333333-3333-4333-8333-333333333333']);
  });

  it('moves the marketplace clock from the page', async () => {
    await page.goto(`${mp.url}/subscriptions`);
    const before = await page.getAttribute('#marketplace-now', 'datetime');
    await page.fill('#advanceBy', 'P2D');
    await page.click('button:has-text("Advance")');
    await page.waitForSelector('[role=status]');
    const after = await page.getAttribute('#marketplace-now', 'datetime');
    assert.ok(Date.parse(after!) - Date.parse(before!) >= 2 * 86_400_000);
    await page.goto(`${mp.url}/webhooks`);
    assert.ok((await page.locator('tr.delivery').count()) >= 3);
  });

  it('shows API calls live on the request inspector, at 1280 and 390 px, and never a secret', async () => {
    for (const width of [1280, 390]) {
      const inspector = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        const id = await mp.subscribe({ quantity: 2 });
        await inspector.goto(`${mp.url}/requests?subscriptionId=${id}`);
        const before = await inspector.locator('tr.request').count();
        const token = await mp.token();
        await mp.api('PATCH', `/saas/subscriptions/${id}`, { token, body: { quantity: 3 } });
        // The page reloads itself every two seconds: the call shows without touching it.
        await inspector.locator('tr.request').nth(before).waitFor({ timeout: 10_000 });
        const newest = inspector.locator('tr.request').first();
        assert.match((await newest.textContent()) ?? '', /PATCH \/api\/saas\/subscriptions\/.*202 Accepted/s);
        assert.ok(!(await inspector.content()).includes(token), 'the access token is not on the page');
        const overflow = (await inspector.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
        assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen at ${width} px`);
        await inspector.screenshot({ path: path.join(SCREENSHOTS, `simulator-requests-${width}.png`), fullPage: true });
        // The bodies open on a page of their own, as wide as the page and not reloading under the reader.
        await newest.locator('a:has-text("Show the bodies")').click();
        const sent = inspector.locator('#request-body');
        assert.match((await sent.textContent()) ?? '', /"quantity": 3/);
        const [bodyWidth, mainWidth] = (await inspector.evaluate(
          "[document.querySelector('#request-body').getBoundingClientRect().width, document.querySelector('main').getBoundingClientRect().width]",
        )) as [number, number];
        assert.ok(bodyWidth >= mainWidth * 0.8, `the body is ${bodyWidth} px wide in a ${mainWidth} px page`);
        assert.equal(await inspector.locator('meta[http-equiv=refresh]').count(), 0, 'the call page does not reload itself');
        assert.ok(!(await inspector.content()).includes(token), 'the access token is not on the call page');
        await inspector.screenshot({ path: path.join(SCREENSHOTS, `simulator-request-${width}.png`), fullPage: true });
      } finally {
        await inspector.close();
      }
    }
  });
});
