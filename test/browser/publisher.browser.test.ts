// The newcomer's walk in a real browser: buy in the simulator, land, activate, sign in to the console,
// see the subscription, change its plan in the simulator and see the change applied in the console.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { after, before, describe, it } from 'node:test';
import { browserUnavailable, buyAndLand, launchBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD, startTestStack, type TestStack } from '../helpers/stack.js';

const SCREENSHOTS = mkdtempSync(path.join(tmpdir(), 'shots-'));

describe('buy, land, activate and manage in Chromium', { skip: browserUnavailable() }, () => {
  let browser: Browser;
  let page: Page;
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('buys in the simulator and activates on the landing page', async () => {
    await buyAndLand(page, stack.mp.url, { plan: 'pro', quantity: 12, name: 'Tailspin Toys' });
    await page.waitForSelector('text=Confirm your purchase');
    assert.equal(await page.textContent('#plan'), 'Pro');
    assert.equal(await page.textContent('#seats'), '12');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'landing-confirm.png') });
    await page.click('#activate button[type=submit]');
    await page.waitForSelector('text=Your subscription is active');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'landing-active.png') });
  });

  it('signs in to the console and finds the subscription', async () => {
    await page.goto(`${stack.publisherUrl}/admin`);
    await page.waitForSelector('#password');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Tailspin Toys');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-subscriptions.png') });
    await page.click('text=Tailspin Toys');
    await page.waitForSelector('#plan-id');
    assert.equal(await page.textContent('#plan-id'), 'pro');
  });

  it('shows a plan change made by the customer in the simulator', async () => {
    const id = page.url().split('/admin/subscriptions/')[1]!.split('?')[0]!;
    const simulator = await browser.newPage();
    await simulator.goto(`${stack.mp.url}/subscriptions/${id}`);
    await simulator.selectOption('select[name=planId]', 'enterprise');
    await simulator.click('button:has-text("Change plan")');
    await simulator.waitForSelector('[role=status]');
    await simulator.close();
    await stack.settle();
    await page.reload();
    assert.equal(await page.textContent('#plan-id'), 'enterprise');
    assert.match((await page.locator('tr.audit').first().textContent()) ?? '', /Plan: Pro → Enterprise/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-timeline.png'), fullPage: true });
  });
});
