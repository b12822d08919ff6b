// What the buyer sees of the vendor: the product's name and logo, where the product is once the
// subscription is active, and how to reach support. Set from settings (PRODUCT_NAME, ...).
import { html, type SafeHtml } from '@saas-fulfillment/web';

export interface Branding {
  productName: string;
  logoUrl?: string | undefined;
  /** "Open <product>" after activation links here. */
  productUrl?: string | undefined;
  /** An e-mail address or a URL. */
  supportContact?: string | undefined;
}

/** The support line under every buyer-facing page, when there is a contact. */
export function supportFooter(branding: Branding): SafeHtml | undefined {
  const contact = branding.supportContact;
  if (!contact) return undefined;
  const href = /^https?:\/\//.test(contact) ? contact : `mailto:${contact}`;
  return html`Questions about ${branding.productName}? <a href="${href}" id="support-contact">Contact support</a>.`;
}

/** The button that takes an active customer to the product. */
export function openProduct(branding: Branding): SafeHtml {
  return branding.productUrl ? html`<p><a class="button" id="open-product" href="${branding.productUrl}">Open ${branding.productName}</a></p>` : html``;
}
