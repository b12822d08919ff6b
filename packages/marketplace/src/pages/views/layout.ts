// The simulator's page frame (navigation, the marketplace clock at the foot) and the names the pages
// show for offers and plans.
import type { AdjustableClock } from '@saas-fulfillment/contract';
import { html, page, timeWords, type SafeHtml } from '@saas-fulfillment/web';
import type { Catalog } from '../../catalog.js';

const NAV = [
  { href: '/', label: 'Buy' },
  { href: '/subscriptions', label: 'Subscriptions' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/inbox', label: 'Inbox' },
  { href: '/requests', label: 'Requests' },
  { href: '/settings', label: 'Settings' },
];

export interface FrameOptions {
  title: string;
  clock: AdjustableClock;
  notice?: string | undefined;
  error?: string | undefined;
  refreshSeconds?: number | undefined;
}

/** A whole simulator page around `body`. */
export function simulatorPage(options: FrameOptions, body: SafeHtml): string {
  const now = options.clock.now().toISOString();
  const moved = options.clock.offset !== 0 ? html` <span class="badge Pending">moved ahead of real time</span>` : '';
  return page(
    {
      title: options.title,
      app: 'Marketplace simulator',
      homeUrl: '/',
      nav: NAV,
      notice: options.notice,
      error: options.error,
      refreshSeconds: options.refreshSeconds,
      footer: html`Marketplace time: <time id="marketplace-now" datetime="${now}">${timeWords(now)}</time>${moved}`,
    },
    body,
  );
}

/** The names people know a subscription's offer and plan by, from the catalog (the ids when it has none). */
export function planNames(catalog: Catalog, offerId: string, planId: string): { offer: string; plan: string } {
  return { offer: catalog.offer(offerId)?.offer.displayName ?? offerId, plan: catalog.plan(offerId, planId)?.displayName ?? planId };
}

export const notFoundPage = (what: string) => html`<h1>Not found</h1><section><p>${what}</p></section>`;
