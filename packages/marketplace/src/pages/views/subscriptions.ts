// The subscriptions pages: the list with the marketplace clock, and one subscription with what its
// customer can do, its landing page, its operations and its webhooks.
import {
  html,
  idCode,
  operationBadge,
  statusBadge,
  table,
  textWithIds,
  when,
  actionWords,
  termWords,
  quantityWords,
  shortId,
  renewsWords,
  type SafeHtml,
} from '@saas-fulfillment/web';
import { seatLimits, type Catalog } from '../../catalog.js';
import type { CustomerAction } from '../../fulfillment/operations.js';
import type { DeliveryRecord } from '../../model/webhooks.js';
import type { OperationRecord, SubscriptionRecord } from '../../model/subscriptions.js';
import type { UsageEventRecord } from '../../model/usage.js';
import { planNames } from './layout.js';
import { deliveryTable } from './webhooks.js';

export function subscriptionsPage(subscriptions: SubscriptionRecord[], catalog: Catalog): SafeHtml {
  const rows = subscriptions.map((s) => {
    const names = planNames(catalog, s.offerId, s.planId);
    return html`<tr><td><a href="/subscriptions/${s.id}">${s.name}</a><div class="muted">${shortId(s.id)}</div></td>
<td>${names.offer}<div class="muted">${names.plan}</div></td><td>${s.quantity ?? '—'}</td><td>${statusBadge(s.status)}</td><td>${when(s.termEnd)}</td></tr>`;
  });
  return html`<h1>Subscriptions</h1>
<section>${table(['Name', 'Offer and plan', 'Seats', 'Status', 'Term ends'], rows, 'Nothing bought yet.')}</section>
<section><h2>Marketplace clock</h2><p class="muted">Moving it forward runs what falls due: renewals, trial ends, the end of a suspension's grace period, acknowledgement windows.</p>
<form class="inline" method="post" action="/ui/clock"><label for="advanceBy">Move forward by</label><input id="advanceBy" name="advanceBy" value="P1M" size="8" aria-describedby="advance-hint"><button type="submit">Advance</button></form>
<p class="muted" id="advance-hint">An ISO 8601 duration: PT1H (an hour), P1D (a day), P1M (a month), P1Y (a year).</p></section>`;
}

export function subscriptionPage(
  s: SubscriptionRecord,
  catalog: Catalog,
  history: { operations: OperationRecord[]; deliveries: DeliveryRecord[]; usage: UsageEventRecord[] },
  landing: string | undefined,
): SafeHtml {
  const { operations, deliveries, usage } = history;
  const names = planNames(catalog, s.offerId, s.planId);
  const plans = catalog.plansFor(s.offerId, s.beneficiary.tenantId).filter((p) => p.planId !== s.planId && !p.isStopSell);
  const current = catalog.plan(s.offerId, s.planId);
  const actionForm = (action: CustomerAction, label: string, extra: SafeHtml | string = '', style = 'secondary') =>
    html`<form class="inline" method="post" action="/ui/subscriptions/${s.id}/action"><input type="hidden" name="action" value="${action}">${extra}<button class="${style}" type="submit">${label}</button></form>`;
  const seats = current && current.pricing === 'perSeat' ? seatLimits(current) : undefined;
  const active = s.status === 'Subscribed';
  const actions = [
    active && plans.length
      ? actionForm(
          'ChangePlan',
          'Change plan',
          html`<select name="planId" aria-label="New plan">${plans.map((p) => html`<option value="${p.planId}">${p.displayName}</option>`)}</select>`,
        )
      : '',
    active && seats && s.quantity !== undefined
      ? actionForm(
          'ChangeQuantity',
          'Change seats',
          html`<input name="quantity" type="number" min="${seats.min}" max="${seats.max}" value="${s.quantity}" aria-label="Seats" size="6">`,
        )
      : '',
    active ? actionForm('Suspend', 'Payment failed (suspend)') : '',
    s.status === 'Suspended' ? actionForm('Reinstate', 'Payment fixed (reinstate)') : '',
    active ? actionForm('Renew', 'Renew now') : '',
    s.status !== 'Unsubscribed' ? actionForm('Unsubscribe', 'Cancel subscription', '', 'danger') : '',
  ];
  const configure = s.status === 'PendingFulfillmentStart' ? 'Configure account now' : 'Manage account';
  return html`<h1>${s.name} ${statusBadge(s.status)}</h1>
<section><h2>Landing page</h2>
<form class="inline" method="post" action="/ui/subscriptions/${s.id}/landing"><button type="submit" id="configure-account">${configure}</button></form>
<span class="muted">opens the publisher's landing page with a fresh token, as the Azure portal does.</span>
${landing ? html`<p>From the purchase: <a id="landing-link" href="${landing}">${configure}</a></p><code class="url muted">${landing}</code>` : ''}</section>
<section><dl>
<dt>Subscription id</dt><dd>${idCode(s.id)}</dd>
<dt>Offer</dt><dd>${names.offer} <code class="id muted">${s.offerId}</code></dd>
<dt>Plan</dt><dd><strong id="plan-name">${names.plan}</strong> <span class="muted" id="plan-id">${s.planId}</span></dd>
<dt>Seats</dt><dd id="quantity">${s.quantity ?? 'not priced per seat'}</dd>
<dt>Term</dt><dd>${termWords(s.termUnit)}${s.termStart ? html`: ${when(s.termStart)} to ${when(s.termEnd)}` : ' (starts on activation)'}</dd>
<dt>Renews</dt><dd>${renewsWords(s)}</dd>
<dt>Free trial</dt><dd>${s.isFreeTrial ? 'yes' : 'no'}</dd>
<dt>Purchaser</dt><dd><span class="email">${s.purchaser.emailId}</span> <span class="muted">tenant ${idCode(s.purchaser.tenantId ?? '—')}</span></dd>
<dt>Beneficiary</dt><dd><span class="email">${s.beneficiary.emailId}</span> <span class="muted">tenant ${idCode(s.beneficiary.tenantId ?? '—')}</span></dd>
${s.allowedCustomerOperations.includes('Update') ? '' : html`<dt>Sold by</dt><dd>a reseller (CSP): the customer may only look</dd>`}
</dl></section>
<section><h2>Act as the customer</h2>${actions.some((a) => a !== '') ? actions : html`<p class="muted">Nothing to do: the subscription is cancelled.</p>`}</section>
<section><h2>Operations</h2>${table(
    ['When', 'Action', 'Started by', 'Status', 'Plan and seats', 'Note'],
    operations.map(
      (o) =>
        html`<tr><td>${when(o.timeStamp)}</td><td>${actionWords(o.action)}</td><td>${o.source === 'Azure' ? 'customer / Microsoft' : 'publisher'}</td><td>${operationBadge(o.status)}</td><td>${planNames(catalog, s.offerId, o.planId).plan}${o.quantity !== undefined ? `, ${o.quantity} seats` : ''}</td><td>${textWithIds(o.errorMessage ?? '')}</td></tr>`,
    ),
    'No operations yet.',
  )}</section>
<section><h2>Webhook deliveries</h2>${deliveryTable(deliveries)}</section>
<section><h2>Usage</h2>${usageTable(catalog, s, usage)}</section>`;
}

/** The metering events accepted for the subscription: one per dimension and hour. */
function usageTable(catalog: Catalog, s: SubscriptionRecord, usage: UsageEventRecord[]): SafeHtml {
  const dimensions = new Map((catalog.plan(s.offerId, s.planId)?.meteringDimensions ?? []).map((d) => [d.id, d]));
  if (usage.length === 0 && dimensions.size === 0) return html`<p class="muted">This plan has no metered dimensions.</p>`;
  return table(
    ['Hour', 'Dimension', 'Quantity', 'Plan', 'Received', 'Usage event'],
    usage.map((u) => {
      const dimension = dimensions.get(u.dimension);
      return html`<tr><td>${when(u.hour)}</td><td>${dimension?.displayName ?? ''} <code class="id muted">${u.dimension}</code></td><td class="number">${quantityWords(u.quantity)}${dimension ? html` <span class="muted">${dimension.unitOfMeasure}</span>` : ''}</td><td>${planNames(catalog, s.offerId, u.planId).plan}</td><td>${when(u.messageTime)}</td><td>${shortId(u.usageEventId)}</td></tr>`;
    }),
    'No usage reported yet: the publisher sends it to POST /api/usageEvent or /api/batchUsageEvent.',
  );
}
