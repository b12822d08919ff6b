// The emulator's own landing page: the purchase a token names, and Activate.
import type { ResolvedSubscription } from '@saas-fulfillment/contract';
import { html, idCode, statusBadge, termWords, type SafeHtml } from '@saas-fulfillment/web';
import type { Catalog } from '../../catalog.js';
import { planNames } from './layout.js';

export function landingPage(resolved: ResolvedSubscription, token: string, catalog: Catalog): SafeHtml {
  const s = resolved.subscription;
  const names = planNames(catalog, s.offerId, s.planId);
  const pending = s.saasSubscriptionStatus === 'PendingFulfillmentStart';
  return html`<h1>${pending ? 'Configure your account' : 'Manage your account'}</h1>
<p class="muted">The emulator's built-in landing page: the publisher has none configured (set one in <a href="/settings">Settings</a>).</p>
<section><dl>
<dt>Subscription</dt><dd>${s.name} <div class="muted">${idCode(s.id)}</div></dd>
<dt>Offer</dt><dd>${names.offer}</dd><dt>Plan</dt><dd id="landing-plan">${names.plan}</dd>
<dt>Seats</dt><dd>${s.quantity ?? 'not priced per seat'}</dd><dt>Term</dt><dd>${termWords(s.term.termUnit)}</dd>
<dt>Status</dt><dd>${statusBadge(s.saasSubscriptionStatus)}</dd>
<dt>Purchaser</dt><dd>${s.purchaser.emailId ?? '—'}</dd><dt>Beneficiary</dt><dd>${s.beneficiary.emailId ?? '—'}</dd>
</dl></section>
${
  pending
    ? html`<section><form method="post" action="/ui/landing/activate"><input type="hidden" name="token" value="${token}"><p>Activating tells the marketplace the account is ready: billing starts.</p><button type="submit" id="activate">Activate</button></form></section>`
    : html`<section><p>This subscription is already set up. <a href="/subscriptions/${s.id}">See it in the simulator</a>.</p></section>`
}`;
}

export const invalidLinkPage = (reason: string) =>
  html`<h1>This link is not valid</h1><section><p>${reason}</p><p>Open the subscription in the <a href="/subscriptions">simulator</a> and choose "Configure account now" or "Manage account" for a fresh link.</p></section>`;
