// Every page a buyer, a developer or an admin sees, in Chromium at a desktop (1280 px) and a phone
// (390 px) width: nothing wider than the screen, no id or time broken over two lines, the buy form's
// fields apart and following the chosen plan. Screenshots of each go to a temp folder (and, with
// UPDATE_SCREENSHOTS=1, the README's to docs/screenshots).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { after, before, describe, it } from 'node:test';
import { OffsetClock } from '@saas-fulfillment/contract';
import { browserUnavailable, launchBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD, APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

const SHOTS = mkdtempSync(path.join(tmpdir(), 'layout-'));
const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
/** The pictures the README and docs show. */
const FOR_DOCS = new Set([
  'simulator-buy-1280',
  'simulator-buy-390',
  'simulator-subscription-1280',
  'simulator-inbox-1280',
  'simulator-settings-1280',
  'simulator-requests-1280',
  'simulator-requests-390',
  'builtin-landing-1280',
  'landing-confirm-1280',
  'landing-confirm-390',
  'landing-active-1280',
  'landing-status-390',
  'console-subscriptions-1280',
  'console-subscription-1280',
  'console-subscription-390',
  'console-usage-1280',
  'console-usage-390',
  'console-reconciliation-1280',
  'console-connection-1280',
  'api-reference-1280',
]);
const WIDTHS = [1280, 390] as const;
const LAYOUT_PROBE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/layout-probe.js'), 'utf8');

/** Problems a person would see on the page (the probe runs in the page: see layout-probe.js). */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(LAYOUT_PROBE) as Promise<string[]>;
}

async function optionValues(page: Page, select: string): Promise<(string | null)[]> {
  return Promise.all((await page.locator(`${select} option`).all()).map((option) => option.getAttribute('value')));
}

describe('every page at 1280 px and 390 px', { skip: browserUnavailable() }, () => {
  let browser: Browser;
  let stack: TestStack;
  let alone: TestMarketplace;
  const pages: Record<string, string> = {};
  const clock = new OffsetClock();

  before(async () => {
    // Both apps on one clock that the test moves a day on, so an hour of usage expires unsent; a change the
    // publisher asks for waits on Microsoft for the whole run.
    stack = await startTestStack({
      marketplace: { clock, settings: { partnerOperationDelayMs: 3_600_000 } },
      publisher: {
        clock,
        branding: { productName: 'Fabrikam Analytics', productUrl: 'https://app.fabrikam.example/', supportContact: 'help@fabrikam.example' },
      },
    });
    alone = await startTestMarketplace();
    browser = await launchBrowser();

    // A little history, so the tables have rows.
    const id = await stack.mp.subscribe({ planId: 'pro', quantity: 8, name: 'Northwind Traders marketing team' });
    await stack.publisher.publisher.fulfillment.projection.sync(id, 'test');
    await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangeQuantity', quantity: 9 } });
    await stack.settle();
    // Usage: an hour billed (and read back from the emulator), the current one still collecting.
    const usage = (hoursAgo: number, quantity: number) => ({
      subscriptionId: id,
      dimension: 'api_calls',
      quantity,
      timestamp: new Date(clock.now().getTime() - hoursAgo * 3_600_000).toISOString(),
    });
    const billedDay = new Date(clock.now().getTime() - 2 * 3_600_000).toISOString().slice(0, 10);
    const reported = await fetch(`${stack.publisherUrl}/api/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify([usage(2, 1250), usage(1, 4800.5), usage(0, 310)]),
    });
    assert.equal(reported.status, 200, await reported.text());
    await stack.publisher.publisher.metering.submit();
    // The hour still collecting is never sent: a day later it has expired.
    clock.advance(25 * 3_600_000);
    await stack.publisher.publisher.metering.submit();
    const moving = await stack.mp.subscribe({ planId: 'pro', quantity: 4, name: 'Moving to Enterprise' });
    await stack.publisher.publisher.fulfillment.projection.sync(moving, 'test');
    await stack.publisher.publisher.fulfillment.changes.requestChange(moving, { planId: 'enterprise' }, 'layout test');
    const landings = await Promise.all(WIDTHS.map(() => stack.mp.purchase({ planId: 'enterprise', quantity: 25, name: 'Contoso Pharmaceuticals research' })));
    const aloneId = await alone.subscribe({ quantity: 3, name: 'Emulator alone' });
    await alone.http('POST', `/simulator/subscriptions/${aloneId}/actions`, { body: { action: 'Suspend' } });
    await alone.app.marketplace.worker.drain();
    const aloneBought = await alone.purchase({ planId: 'basic', quantity: undefined, name: 'Not yet configured' });
    // The buyer's other states: a free trial, a reseller purchase, a suspended and a cancelled subscription.
    const trial = await stack.mp.purchase({ planId: 'basic', quantity: undefined, isFreeTrial: true, name: 'Fabrikam trial' });
    const reseller = await stack.mp.purchase({ planId: 'pro', quantity: 12, csp: true, name: 'Bought through a reseller' });
    const privatePlan = await stack.mp.purchase({
      planId: 'partner-special',
      quantity: undefined,
      name: 'Partner special deal',
      beneficiary: { tenantId: '33333333-3333-4333-8333-333333333333', emailId: 'it@partner.example' },
    });
    const managed = async (action: string, name: string) => {
      const held = await stack.mp.subscribe({ planId: 'pro', quantity: 2, name });
      await stack.publisher.publisher.fulfillment.projection.sync(held, 'test');
      await stack.mp.http('POST', `/simulator/subscriptions/${held}/actions`, { body: { action } });
      await stack.settle();
      return ((await stack.mp.http('POST', `/simulator/subscriptions/${held}/token`)).body as { landingPageUrl: string }).landingPageUrl;
    };
    // Drift: a subscription the publisher never heard of, found by reconciliation.
    await stack.mp.subscribe({ planId: 'pro', quantity: 3, name: 'Found by reconciliation' });
    await (await stack.admin()).postJson('/api/admin/reconcile', {});
    await stack.settle();
    const suspendedLanding = await managed('Suspend', 'Payment pending');
    const cancelledLanding = await managed('Unsubscribe', 'Cancelled team');

    Object.assign(pages, {
      'simulator-buy': `${stack.mp.url}/`,
      'simulator-subscriptions': `${stack.mp.url}/subscriptions`,
      'simulator-subscription': `${stack.mp.url}/subscriptions/${id}`,
      'simulator-webhooks': `${stack.mp.url}/webhooks`,
      'simulator-inbox': `${alone.url}/inbox`,
      // Paused: a page that reloads itself would move under the screenshot.
      'simulator-requests': `${stack.mp.url}/requests?live=off`,
      'simulator-settings': `${alone.url}/settings`,
      'simulator-reset': `${stack.mp.url}/reset`,
      'simulator-request': `${stack.mp.url}/requests/${(await stack.mp.app.marketplace.requests.list({ limit: 1 }))[0]?.seq ?? 1}`,
      'builtin-landing': aloneBought.landingPageUrl,
      'landing-trial': trial.landingPageUrl,
      'landing-reseller': reseller.landingPageUrl,
      'landing-private': privatePlan.landingPageUrl,
      'landing-suspended': suspendedLanding,
      'landing-cancelled': cancelledLanding,
      ...Object.fromEntries(WIDTHS.map((width, i) => [`landing-confirm@${width}`, landings[i]!.landingPageUrl])),
      'console-subscriptions': `${stack.publisherUrl}/admin`,
      'console-subscription': `${stack.publisherUrl}/admin/subscriptions/${id}`,
      'console-pending-change': `${stack.publisherUrl}/admin/subscriptions/${moving}`,
      'console-usage': `${stack.publisherUrl}/admin/metering`,
      // The day of the billed hours (they may fall on yesterday just after midnight).
      'console-reconciliation': `${stack.publisherUrl}/admin/metering/reconciliation?day=${billedDay}`,
      'console-jobs': `${stack.publisherUrl}/admin/jobs`,
      'console-drift': `${stack.publisherUrl}/admin/drift`,
      'console-connection': `${stack.publisherUrl}/admin/connection`,
      'entra-sign-in': `${alone.url}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: DEV_PUBLISHER.clientId, response_type: 'code', redirect_uri: `${alone.url}/auth/callback`, scope: 'openid profile', state: 's', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' })}`,
      'entra-sign-in-refused': `${alone.url}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/authorize?response_type=code&client_id=${DEV_PUBLISHER.clientId}`,
    });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await alone?.close();
  });

  const shoot = async (page: Page, name: string) => {
    const file = path.join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1' && FOR_DOCS.has(name)) {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(file, path.join(DOCS, `${name}.png`));
    }
  };

  for (const width of WIDTHS) {
    it(`lays out every page at ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      // Anything the Content-Security-Policy blocks (an inline style, a script, a form's target) shows here.
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) blocked.push(`${page.url()}: ${message.text()}`);
      });
      try {
        await page.goto(`${stack.publisherUrl}/admin/login`);
        await shoot(page, `console-login-${width}`);
        await page.fill('#password', ADMIN_PASSWORD);
        await page.click('button[type=submit]');
        await page.waitForURL(/\/admin$/);
        const found: string[] = [];
        for (const [key, url] of Object.entries(pages)) {
          const [name, only] = key.split('@');
          if (only && Number(only) !== width) continue;
          const response = await page.goto(url);
          const policy = response?.headers()['content-security-policy'] ?? '';
          if (!/default-src 'none'/.test(policy) || /unsafe/.test(policy)) found.push(`${name}: content-security-policy '${policy}'`);
          found.push(...(await layoutProblems(page)).map((p) => `${name}: ${p}`));
          await shoot(page, `${name}-${width}`);
        }
        // The buyer's way through: confirm, then the status page.
        await page.goto(pages[`landing-confirm@${width}`]!);
        await page.click('#activate button[type=submit]');
        await page.waitForSelector('text=Your subscription is active');
        found.push(...(await layoutProblems(page)).map((p) => `landing-status: ${p}`));
        await shoot(page, `landing-${width === 390 ? 'status' : 'active'}-${width}`);
        assert.deepEqual(found, []);
        assert.deepEqual(blocked, [], 'nothing on any page was blocked by its Content-Security-Policy');
      } finally {
        await context.close();
      }
    });
  }

  it('looks at the states it names: an expired hour, a change waiting on Microsoft, a private plan bought', async () => {
    const admin = await stack.admin();
    const usage = (await admin.get('/admin/metering')).text;
    assert.match(usage, /Expired unsent<\/span> <strong>1<\/strong>/);
    assert.match((await admin.get(new URL(pages['console-pending-change']!).pathname)).text, /Plan change to Enterprise: waiting on Microsoft/);
    const drift = (await admin.get('/admin/drift')).text;
    assert.match(drift, /Status: Active|Plan: Pro/, 'a repair in words');
    assert.doesNotMatch(drift, /recorded as Subscribed/);
    const landing = await (await fetch(pages['landing-private']!)).text();
    assert.match(landing, /Partner special \(private\)/);
    assert.match(landing, /Confirm your purchase/);
  });

  it('renders the API reference (/docs/api) at both widths with nothing blocked by its policy', async () => {
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') blocked.push(message.text());
      });
      try {
        await page.goto(`${stack.publisherUrl}/docs/api`);
        await page.waitForSelector('.opblock');
        assert.equal(await page.locator('.opblock').count(), 17, 'every operation and the event');
        assert.equal(await page.title(), 'Application API reference');
        const width_ = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        assert.ok(width_ <= width + 1, `the reference is ${width_} px wide at ${width} px`);
        assert.equal(await page.locator('meta[name=viewport]').count(), 1, 'a phone lays it out at its own width');
        await shoot(page, `api-reference-${width}`);
        assert.deepEqual(blocked, [], `at ${width} px`);
      } finally {
        await page.close();
      }
    }
  });

  it('the probe finds what it looks for: a page too wide, an id that may break, internals in running text', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 600 } });
    try {
      await page.setContent(
        '<p>operation 0b5c6ed4-94d5-4d4e-a0a8-0f16c9c2f6a1 failed</p><div style="width:900px">wide</div>' +
          '<p>InProgress since 2026-12-05T06:59:40Z</p><p>api_calls on 2026-12-05</p><p>in code: <code>api_calls</code> <code>2026-12-05</code></p>',
      );
      const problems = await layoutProblems(page);
      assert.equal(problems.length, 5, problems.join('\n'));
      assert.equal(problems[0], 'the page has no viewport meta');
      assert.deepEqual(
        problems.slice(3).map((p) => p.split('" in ')[0]),
        ['"InProgress', '"api_calls'],
        'one problem per text node: the first internal it holds',
      );
      // Text its box cuts: an e-mail in a narrow box that scrolls or hides the rest.
      await page.setContent(
        '<meta name="viewport" content="width=device-width"><p style="width:120px;overflow:hidden;white-space:nowrap">buyer-034b6e19@customer.example.com</p>',
      );
      assert.match((await layoutProblems(page)).join('\n'), /buyer-034b6e19@customer\.example\.com" is cut by its box/);
    } finally {
      await page.close();
    }
  });

  it('keeps the buy form apart at both widths, and fits seats, terms and trial to the chosen plan', async () => {
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.goto(pages['simulator-buy']!);
        await page.selectOption('#plan', 'contoso-saas/enterprise');
        const plan = (await page.locator('#plan').boundingBox())!;
        const seats = (await page.locator('#quantity').boundingBox())!;
        const apart = plan.x + plan.width <= seats.x || seats.x + seats.width <= plan.x || plan.y + plan.height <= seats.y || seats.y + seats.height <= plan.y;
        assert.ok(apart, `at ${width} px the plan selector and the seats field do not overlap`);
        assert.deepEqual(
          [await page.getAttribute('#quantity', 'min'), await page.getAttribute('#quantity', 'max'), await page.inputValue('#quantity')],
          ['10', '10000', '10'],
        );
        assert.deepEqual(await optionValues(page, '#termUnit'), ['P1M', 'P1Y', 'P3Y']);
        assert.equal(await page.isDisabled('#isFreeTrial'), true, 'Enterprise has no free trial');
        await page.selectOption('#plan', 'contoso-saas/basic');
        assert.equal(await page.isVisible('#quantity'), false, 'a flat plan has no seats');
        assert.equal(await page.isDisabled('#isFreeTrial'), false);
        assert.deepEqual(await optionValues(page, '#termUnit'), ['P1M', 'P1Y']);
      } finally {
        await page.close();
      }
    }
  });

  it('reaches "Configure account" from a subscription page at any time', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
    try {
      const bought = await stack.mp.purchase({ planId: 'enterprise', quantity: 11, name: 'Configured later' });
      await page.goto(`${stack.mp.url}/subscriptions/${bought.subscriptionId}`);
      assert.equal(await page.textContent('#configure-account'), 'Configure account now');
      await page.click('#configure-account');
      await page.waitForSelector('text=Confirm your purchase');
      assert.equal(await page.textContent('#plan'), 'Enterprise');
    } finally {
      await page.close();
    }
  });
});
