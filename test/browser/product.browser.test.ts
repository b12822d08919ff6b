// What `npm start` shows a newcomer, end to end in Chromium: `dev --product examples/product/product.js`
// as a process; buy in the simulator, activate on the landing page, open the example product from it, use
// it (a teammate, a metered API call that reaches the publisher), change the plan in the simulator and see
// the product change by itself, then suspend and see the API refused. Each product page passes the layout
// probe at 1280 and 390 px.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { after, before, describe, it } from 'node:test';
import { browserUnavailable, buyAndLand, launchBrowser } from '../helpers/browser.js';
import { startCli, type CliProcess } from '../helpers/cli.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DOCS = path.resolve(HERE, '../../docs/screenshots');
const SHOTS = mkdtempSync(path.join(tmpdir(), 'product-'));
const LAYOUT_PROBE = readFileSync(path.join(HERE, '../helpers/layout-probe.js'), 'utf8');
/** A change in the simulator must show in the product without a reload by the user, within this. */
const LIVE_WITHIN_MS = 5_000;

describe('the example product that npm start runs, in Chromium', { skip: browserUnavailable() }, () => {
  let dataDir: string;
  let dev: CliProcess;
  let browser: Browser;
  let page: Page;
  const urls = { marketplace: '', publisher: '', product: '', workspace: '' };
  const blocked: string[] = [];

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'product-data-'));
    dev = startCli(['dev', '--product', 'examples/product/product.js', '--port', '0', '--marketplace-port', '0', '--product-port', '0', '--data-dir', dataDir]);
    urls.marketplace = (await dev.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/))[1]!;
    urls.publisher = (await dev.waitFor(/Publisher service\s+(http:\/\/\S+)/))[1]!;
    urls.product = (await dev.waitFor(/Product\s+(http:\/\/\S+?)\/\s/))[1]!;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(`${page.url()}: ${message.text()}`);
    });
  });
  after(async () => {
    await browser?.close();
    const code = await dev?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, dev.output());
  });

  /** Screenshots at both widths, with the layout probe's findings (nothing too wide, no ids or enum names in text). */
  const look = async (name: string, forDocs = true) => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      assert.deepEqual(await page.evaluate(LAYOUT_PROBE), [], `${name} at ${width} px`);
      const file = path.join(SHOTS, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      if (process.env.UPDATE_SCREENSHOTS === '1' && forDocs) {
        mkdirSync(DOCS, { recursive: true });
        copyFileSync(file, path.join(DOCS, `${name}-${width}.png`));
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  it('greets a visitor without a subscription with the way to buy', async () => {
    await page.goto(`${urls.product}/`);
    assert.match((await page.textContent('#next-step')) ?? '', /Buy it in the marketplace simulator/);
    await look('product-home', false);
    await page.goto(`${urls.product}/s/00000000-0000-4000-8000-000000000000`);
    assert.equal(await page.textContent('h1'), 'Subscription not found');
    assert.match((await page.textContent('#next-step')) ?? '', /Open Contoso Cloud from the page/);
    await look('product-not-found', false);
  });

  it('buys, activates, and opens the product from the landing page', async () => {
    await buyAndLand(page, urls.marketplace, { plan: 'pro', quantity: 12, name: 'Northwind Traders' });
    await page.click('#activate button[type=submit]');
    await page.waitForSelector('text=Your subscription is active');
    await page.click('#open-product');
    // The product signs its users in at the organization that bought it: the emulator's sign-in page
    // offers the buyer.
    await page.waitForSelector('button.account-choice');
    assert.match(page.url(), new RegExp(`^${urls.marketplace}/[0-9a-f-]{36}/oauth2/v2.0/authorize`));
    await look('product-sign-in', false);
    await page.click('button.account-choice');
    await page.waitForSelector('#plan');
    urls.workspace = page.url();
    assert.match(urls.workspace, new RegExp(`^${urls.product}/s/[0-9a-f-]{36}$`));
    assert.equal(await page.textContent('#plan'), 'Pro');
    assert.equal(await page.textContent('#seats'), '1 of 12 in use');
    assert.equal(await page.getAttribute('[data-feature=dashboards]', 'class'), 'on');
    assert.equal(await page.getAttribute('[data-feature=sso]', 'class'), 'off');
  });

  it('seats a teammate and bills each API call through the publisher', async () => {
    await page.fill('#name', 'Ada Lovelace');
    await page.click('#add-member button');
    await page.waitForSelector('#notice');
    assert.equal(await page.textContent('#seats'), '2 of 12 in use');
    await page.click('#call-api');
    await page.waitForSelector('#api-result.notice');
    assert.match((await page.textContent('#api-result')) ?? '', /Billed as one API call/);
    assert.equal(await page.textContent('#api-calls'), 'One call so far: 1 billed.', 'the count follows the call at once');
    await page.reload();
    await look('product-workspace');
    // The call reached the publisher as usage of the subscription: its console lists the hour.
    const id = urls.workspace.split('/s/')[1]!;
    const [, password] = await dev.waitFor(/Admin password\s+(\S+)/);
    const admin = await browser.newPage();
    await admin.goto(`${urls.publisher}/admin/login`);
    await admin.fill('#password', password!);
    await admin.click('button[type=submit]');
    await admin.waitForURL(/\/admin/);
    const deadline = Date.now() + 10_000;
    let quantity = 0;
    while (quantity === 0 && Date.now() < deadline) {
      const overview = await admin.evaluate(async (url) => (await fetch(url)).json(), `${urls.publisher}/api/admin/metering?subscription=${id}`);
      quantity = (overview as { hours: { dimension: string; quantity: string }[] }).hours
        .filter((h) => h.dimension === 'api_calls')
        .reduce((sum, h) => sum + Number(h.quantity), 0);
      if (quantity === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(quantity, 1, 'the API call is one unit of api_calls at the publisher');
    await admin.close();
  });

  it('changes by itself when the customer changes plan in the simulator', async () => {
    const id = urls.workspace.split('/s/')[1]!;
    const simulator = await browser.newPage();
    await simulator.goto(`${urls.marketplace}/subscriptions/${id}`);
    await simulator.selectOption('select[name=planId]', 'enterprise');
    await simulator.click('button:has-text("Change plan")');
    await simulator.waitForSelector('[role=status]');
    // The product page is not touched: the publisher's event reloads it.
    await page.locator('#plan', { hasText: /^Enterprise$/ }).waitFor({ timeout: LIVE_WITHIN_MS });
    assert.equal(await page.getAttribute('[data-feature=sso]', 'class'), 'on');

    await simulator.click('button:has-text("Payment failed (suspend)")');
    await simulator.waitForSelector('[role=status]');
    await simulator.close();
    await page.locator('#status', { hasText: /^Suspended$/ }).waitFor({ timeout: LIVE_WITHIN_MS });
    assert.match((await page.textContent('#standing')) ?? '', /Read-only/);
    await page.click('#call-api');
    await page.waitForSelector('#api-result.warning');
    assert.match((await page.textContent('#api-result')) ?? '', /Refused: The subscription is suspended/);
    await look('product-suspended');
    assert.deepEqual(blocked, [], 'nothing blocked by the Content-Security-Policy');
  });

  it('refuses a form posted from another site and an unsigned event', async () => {
    const forged = await fetch(`${urls.workspace}/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: 'name=Mallory',
    });
    assert.equal(forged.status, 403);
    const unsigned = await fetch(`${urls.product}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAA',
      },
      body: JSON.stringify({ type: 'subscription.suspended', data: { subscriptionId: urls.workspace.split('/s/')[1] } }),
    });
    assert.equal(unsigned.status, 400);
    // A made-up subscription gets no live-update stream (it would hold a connection for nothing).
    const madeUp = await fetch(`${urls.product}/s/00000000-0000-4000-8000-000000000000/updates`);
    assert.equal(madeUp.status, 404);
    // A notice named in the link is one of the product's own, or none: never whatever the name resolves to.
    const odd = await (await fetch(`${urls.workspace}?notice=constructor`)).text();
    assert.ok(!odd.includes('id="notice"') && !odd.includes('function Object'), odd);
    assert.equal(((await unsigned.json()) as { code: string }).code, 'bad-signature');
  });
});
