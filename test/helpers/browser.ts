// Debian's Chromium driven by playwright-core (no browser download). Missing Chromium fails under CI.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. Under CI, a missing browser is an error. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI === 'true') throw new Error(`Chromium is not installed at ${CHROMIUM}; CI requires it (apt-get install -y chromium)`);
  return `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A customer's purchase in the simulator at `marketplaceUrl`, up to the publisher's landing page (the link with its token). */
export async function buyAndLand(page: Page, marketplaceUrl: string, purchase: { plan: string; quantity: number; name: string }): Promise<void> {
  await page.goto(`${marketplaceUrl}/`);
  await page.selectOption('#plan', `contoso-saas/${purchase.plan}`);
  await page.fill('#quantity', String(purchase.quantity));
  await page.fill('#name', purchase.name);
  await page.click('#buy button[type=submit]');
  await page.click('#landing-link');
}
