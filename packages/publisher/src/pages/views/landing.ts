// The buyer's pages: the purchase to confirm (or manage), the status after confirming, and what to do
// when a link has expired. Plans by name, statuses in words, the vendor's brand.
import { html, statusBadge, termWords, type SafeHtml } from '@saas-fulfillment/web';
import type { Branding } from '../../model/branding.js';
import { openProduct } from './layout.js';
import type { LocalSubscription } from '../../model/subscription.js';

export const NEXT_STEPS =
  'Open your subscription in the Azure portal or the Microsoft 365 admin center, and choose "Configure account" (for a new purchase) or "Manage account": it opens this page again with a fresh link.';

/** Activation or provisioning still running (a failed attempt is retried, but shown as such). */
export function inProgress(s: LocalSubscription | undefined): boolean {
  return s !== undefined && s.provisioning !== 'failed' && (s.status === 'PendingFulfillmentStart' || s.provisioning === 'pending');
}

export function problem(what: string, next: string): SafeHtml {
  return html`<h1>${what}</h1><section><p>${next}</p><p class="muted">Links from the marketplace are valid for a limited time and can be used only for the subscription they were made for.</p></section>`;
}

function details(s: LocalSubscription, planName: string): SafeHtml {
  const reseller = s.purchaser.tenantId !== undefined && s.purchaser.tenantId !== s.beneficiary.tenantId;
  return html`<section><dl>
<dt>Subscription</dt><dd>${s.name}</dd><dt>Plan</dt><dd id="plan">${planName}</dd>
<dt>Seats</dt><dd id="seats">${s.quantity ?? 'not priced per seat'}</dd><dt>Billing term</dt><dd>${termWords(s.termUnit)}</dd>
<dt>Status</dt><dd id="status">${statusBadge(s.status)}</dd>
<dt>Purchased by</dt><dd>${s.purchaser.emailId ?? '—'}</dd>
<dt>For</dt><dd>${s.beneficiary.emailId ?? '—'}</dd>
${reseller ? html`<dt>Bought through</dt><dd>a reseller (Cloud Solution Provider) on the customer's behalf</dd>` : ''}
</dl></section>`;
}

export function purchasePage(s: LocalSubscription, planName: string, branding: Branding, form: string): SafeHtml {
  if (s.status !== 'PendingFulfillmentStart') return html`<h1>Manage your subscription</h1>${details(s, planName)}${standing(s, branding)}`;
  return html`<h1>Confirm your purchase</h1><p>Welcome to ${branding.productName}. Check the details, then activate to set up your account.</p>${details(s, planName)}
<section><form method="post" action="/landing/activate" id="activate"><input type="hidden" name="form" value="${form}">
<p>Billing starts when your account is ready.</p><button type="submit">Activate subscription</button></form></section>`;
}

/** Where an existing subscription stands, in words, with the way to the product when it is usable. */
function standing(s: LocalSubscription, branding: Branding): SafeHtml {
  switch (s.status) {
    case 'Subscribed':
      return s.provisioning === 'done' || s.provisioning === 'none'
        ? html`<section><p>Your subscription is active.</p>${openProduct(branding)}</section>`
        : html`<section><p>We are setting up your account; this page shows it once it is ready.</p></section>`;
    case 'Suspended':
      return html`<section><p>Your subscription is suspended until the payment is settled. Your data is kept.</p></section>`;
    case 'Unsubscribed':
      return html`<section><p>Your subscription has been cancelled. Your data is kept for at least 7 days.</p></section>`;
    default:
      return html`<section><p>Your subscription's status is ${statusBadge(s.status)}.</p></section>`;
  }
}

export function statusPage(s: LocalSubscription, planName: string, branding: Branding): SafeHtml {
  if (s.provisioning === 'failed') {
    return html`<h1>We could not set up your account yet</h1><section><p id="result">Setting up your account failed; we are retrying automatically and our team has been told. You will not be billed until it is ready.</p></section>${details(s, planName)}`;
  }
  if (inProgress(s)) {
    return html`<h1>Setting up your account</h1><section><p id="result">This takes a moment. This page updates by itself; you will not be billed until the account is ready.</p></section>${details(s, planName)}`;
  }
  if (s.status === 'Subscribed') {
    return html`<h1>Your subscription is active</h1><section><p id="result">Welcome! ${s.name} is ready on the ${planName} plan${s.quantity ? ` with ${s.quantity} seats` : ''}.</p>${openProduct(branding)}</section>${details(s, planName)}`;
  }
  return html`<h1>Your subscription</h1>${details(s, planName)}${standing(s, branding)}`;
}
