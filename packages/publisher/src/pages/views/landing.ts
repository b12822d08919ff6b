// The buyer's pages: the purchase to confirm (or manage), the status after confirming, and what to do
// when a link has expired. Plans by name, statuses in words, the vendor's brand.
import { dayWords, html, idCode, statusBadge, termWords, type SafeHtml } from '@saas-fulfillment/web';
import { entitlementOf } from '../../model/entitlements.js';
import type { Branding } from '../../model/branding.js';
import { openProduct } from './layout.js';
import type { LocalSubscription } from '../../model/subscription.js';

/** Activation or provisioning still running (a failed attempt is retried, but shown as such). */
export function inProgress(s: LocalSubscription | undefined): boolean {
  return s !== undefined && s.provisioning !== 'failed' && (s.status === 'PendingFulfillmentStart' || s.provisioning === 'pending');
}

export function problem(what: string, next: string | SafeHtml): SafeHtml {
  return html`<h1>${what}</h1><section><p>${next}</p><p class="muted">Links from the marketplace are valid for a limited time and can be used only for the subscription they were made for.</p></section>`;
}

/** Where a customer manages what it bought from Microsoft: the way back when this page cannot help. */
const MANAGE_AT_MICROSOFT = html`<a href="https://portal.azure.com/#browse/Microsoft.SaaS%2Fresources">Azure portal</a> or the <a href="https://admin.microsoft.com/Adminportal/Home#/subscriptions">Microsoft 365 admin center</a>`;

export const NEXT_STEPS = html`Open your subscription in the ${MANAGE_AT_MICROSOFT}, and choose "Configure account" (for a new purchase) or "Manage account": it opens this page again with a fresh link.`;

function details(s: LocalSubscription, planName: string): SafeHtml {
  const reseller = s.purchaser.tenantId !== undefined && s.purchaser.tenantId !== s.beneficiary.tenantId;
  // A reseller buys in its own organization for the customer's: both are shown, each with its tenant.
  const party = (who: LocalSubscription['purchaser']) =>
    reseller && who.tenantId
      ? html`${who.emailId ?? '—'}<br><span class="muted">organization (tenant) ${idCode(who.tenantId)}</span>`
      : html`${who.emailId ?? '—'}`;
  return html`<section><dl>
<dt>Subscription</dt><dd>${s.name}</dd><dt>Plan</dt><dd id="plan">${planName}</dd>
${s.quantity !== undefined ? html`<dt>Seats</dt><dd id="seats">${s.quantity}</dd>` : ''}<dt>Billing term</dt><dd>${termWords(s.termUnit)}${s.isFreeTrial ? ', starting with a free trial' : ''}</dd>
<dt>Status</dt><dd id="status">${statusBadge(s.status)}</dd>
<dt>Purchased by</dt><dd id="purchaser">${party(s.purchaser)}</dd>
<dt>For</dt><dd id="beneficiary">${party(s.beneficiary)}</dd>
${reseller ? html`<dt>Bought through</dt><dd>a reseller (Cloud Solution Provider) on the customer's behalf</dd>` : ''}
</dl></section>`;
}

/**
 * The next step when there is no product link to give: the vendor's support, or the way back to where the
 * subscription was bought; and, when the service was not told where its product is, what to set.
 */
function nextStep(branding: Branding, subscriptionId: string): SafeHtml {
  if (branding.productUrl) return openProduct(branding, subscriptionId);
  return html`<p id="next-step">To change or cancel it, open your subscription in the ${MANAGE_AT_MICROSOFT}.</p>${
    branding.supportContact
      ? ''
      : html`<p class="muted" id="vendor-hint">${branding.productName} has not set a product link or a support contact for this page yet (PRODUCT_URL, SUPPORT_CONTACT).</p>`
  }`;
}

export function purchasePage(s: LocalSubscription, planName: string, branding: Branding, form: string): SafeHtml {
  if (s.status !== 'PendingFulfillmentStart') return html`<h1>Manage your subscription</h1>${details(s, planName)}${standing(s, branding)}`;
  const billing = s.isFreeTrial
    ? `Your free trial starts when your account is ready. You are billed only if you keep the subscription after the trial${s.termUnit ? ` (${termWords(s.termUnit)})` : ''}; cancel before it ends and nothing is charged.`
    : 'Billing starts when your account is ready.';
  return html`<h1>Confirm your purchase</h1><p>Welcome to ${branding.productName}. Check the details, then activate to set up your account.</p>${details(s, planName)}
<section><form method="post" action="/landing/activate" id="activate"><input type="hidden" name="form" value="${form}">
<p id="billing">${billing}</p><button type="submit">Activate subscription</button></form></section>`;
}

/** Where an existing subscription stands, in words, with the way to the product when it is usable. */
function standing(s: LocalSubscription, branding: Branding): SafeHtml {
  switch (s.status) {
    case 'Subscribed':
      return s.provisioning === 'done' || s.provisioning === 'none'
        ? html`<section><p>Your subscription is active${s.isFreeTrial && s.termEnd ? `, free until ${dayWords(s.termEnd)}` : ''}.</p>${nextStep(branding, s.id)}</section>`
        : html`<section><p>We are setting up your account; this page shows it once it is ready. Reload it in a minute.</p></section>`;
    case 'Suspended':
      return html`<section><p>Your subscription is suspended: Microsoft could not collect its payment. Your data is kept.</p><p id="next-step">Settle the payment in the ${MANAGE_AT_MICROSOFT} (Billing); access comes back by itself once Microsoft tells us.</p></section>`;
    case 'Unsubscribed': {
      const until = entitlementOf(s).dataRetainedUntil ?? undefined;
      return html`<section><p>Your subscription has been cancelled. Your data is kept until ${dayWords(until)}.</p><p id="next-step">To use ${branding.productName} again, buy it again in the ${MANAGE_AT_MICROSOFT} or on Microsoft AppSource.</p></section>`;
    }
    default:
      return html`<section><p>Your subscription's status is ${statusBadge(s.status)}.</p>${nextStep(branding, s.id)}</section>`;
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
    return html`<h1>Your subscription is active</h1><section><p id="result">Welcome! ${s.name} is ready on the ${planName} plan${s.quantity ? ` with ${s.quantity} seats` : ''}${s.isFreeTrial && s.termEnd ? `, free until ${dayWords(s.termEnd)}` : ''}.</p>${nextStep(branding, s.id)}</section>${details(s, planName)}`;
  }
  return html`<h1>Your subscription</h1>${details(s, planName)}${standing(s, branding)}`;
}
