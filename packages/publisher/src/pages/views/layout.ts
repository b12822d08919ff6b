// The publisher's two page frames: the admin console's (navigation, sign-out) and the buyer's (the
// vendor's brand, the support contact, a reading width).
import { html, page, type SafeHtml } from '@saas-fulfillment/web';
import type { Branding } from '../../model/branding.js';

const CONSOLE_NAV = [
  { href: '/admin', label: 'Subscriptions' },
  { href: '/admin/metering', label: 'Usage' },
  { href: '/admin/jobs', label: 'Jobs' },
  { href: '/admin/drift', label: 'Drift repairs' },
  { href: '/admin/connection', label: 'Connection' },
  { href: '/admin/logout', label: 'Sign out', post: true },
];

export interface FrameOptions {
  title: string;
  notice?: string | undefined;
  error?: string | undefined;
  refreshSeconds?: number | undefined;
}

export function consolePage(productName: string, options: FrameOptions & { signedIn?: boolean }, body: SafeHtml): string {
  return page({ ...options, app: `${productName} admin`, homeUrl: '/admin', nav: options.signedIn === false ? [] : CONSOLE_NAV }, body);
}

export function buyerPage(branding: Branding, options: FrameOptions, body: SafeHtml): string {
  return page({ ...options, app: branding.productName, logoUrl: branding.logoUrl, nav: [], footer: supportFooter(branding), narrow: true }, body);
}

/** The support line under every buyer-facing page, when there is a contact. */
function supportFooter(branding: Branding): SafeHtml | undefined {
  const contact = branding.supportContact;
  if (!contact) return undefined;
  const href = /^https?:\/\//.test(contact) ? contact : `mailto:${contact}`;
  return html`Questions about ${branding.productName}? <a href="${href}" id="support-contact">Contact support</a>.`;
}

/** The button that takes an active customer to the product; `{subscriptionId}` in PRODUCT_URL names the subscription. */
export function openProduct(branding: Branding, subscriptionId: string): SafeHtml {
  if (!branding.productUrl) return html``;
  const href = branding.productUrl.replaceAll('{subscriptionId}', encodeURIComponent(subscriptionId));
  return html`<p><a class="button" id="open-product" href="${href}">Open ${branding.productName}</a></p>`;
}
