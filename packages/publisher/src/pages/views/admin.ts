// The admin console's pages: subscriptions, one subscription's timeline with the changes a publisher
// may request, jobs and drift repairs. Plans and statuses in words, times in one format; pending work
// is shown as pending, not as an error.
import type { Plan } from '@saas-fulfillment/contract';
import { badge, html, idCode, operationBadge, shortId, statusBadge, table, textWithIds, when, type SafeHtml } from '@saas-fulfillment/web';
import { actionWords, renewsWords, subscriptionStatusWords, termWords } from '@saas-fulfillment/web';
import type { AuditEntry, LocalSubscription, SubscriptionPage, SubscriptionTimeline } from '../../model/subscription.js';
import type { JobRecord } from '../../model/jobs.js';
import { causeWords, changeWords, kindWords } from './timeline.js';

const STATUSES = ['PendingFulfillmentStart', 'Subscribed', 'Suspended', 'Unsubscribed'];

const PROVISIONING: Record<string, string> = { none: 'not started', pending: 'in progress', done: 'done', failed: 'failed' };
const OUTCOME: Record<string, string> = {
  received: 'received',
  requested: 'requested: waiting on Microsoft',
  accepted: 'accepted',
  rejected: 'rejected',
  applied: 'applied',
  ignored: 'ignored (Microsoft does not know it)',
  failed: 'did not go through',
};
const JOB_STATE: Record<string, [string, string]> = {
  pending: ['Pending', 'waiting'],
  running: ['InProgress', 'running'],
  done: ['Succeeded', 'done'],
  dead: ['Failed', 'failed'],
};

/** Each kind of job by what it does (its kind, as logs and metrics name it, on hover). */
const JOB_KIND: Record<string, string> = {
  activate: 'Set up and activate a purchase',
  provision: 'Set up the account',
  webhook: "Act on Microsoft's notice",
  'await-operation': 'Follow our change at Microsoft',
  reconcile: 'Compare with Microsoft',
  'deliver-event': 'Send an event to the application',
};

type PlanName = (offerId: string, planId: string) => string;

/** Newest first, as the timeline: every table of a subscription reads the same way down. */
const newestFirst = <T extends { timeStamp: string }>(rows: readonly T[]) => [...rows].sort((a, b) => b.timeStamp.localeCompare(a.timeStamp));

export interface ListQuery {
  q?: string | undefined;
  status?: string | undefined;
  planId?: string | undefined;
}

/** The status first: on a narrow screen it is what shows before the table scrolls. */
export function subscriptionsPage(found: SubscriptionPage, query: ListQuery, planName: PlanName): SafeHtml {
  const { items, total, pageNumber } = found;
  const pages = Math.max(1, Math.ceil(total / found.limit));
  const link = (p: number) =>
    `/admin?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), ...(query.status ? { status: query.status } : {}), ...(query.planId ? { planId: query.planId } : {}), page: String(p) })}`;
  const rows = items.map(
    (
      s,
    ) => html`<tr><td>${statusBadge(s.status)}</td><td><a href="/admin/subscriptions/${s.id}">${s.name || s.id}</a><div class="muted"><span class="email">${s.beneficiary.emailId ?? 'no e-mail'}</span> · <code class="id" title="${s.id}">${s.id.slice(0, 8)}</code></div></td><td>${planName(s.offerId, s.planId)}</td>
<td>${s.quantity ?? '—'}</td><td>${when(s.updated)}</td></tr>`,
  );
  return html`<h1>Subscriptions <span class="muted">(${total})</span></h1>
<section><form class="inline" method="get" action="/admin"><input name="q" placeholder="id, name or e-mail" value="${query.q ?? ''}" aria-label="Search">
<select name="status" aria-label="Status"><option value="">any status</option>${STATUSES.map((s) => html`<option value="${s}"${query.status === s ? html` selected` : ''}>${subscriptionStatusWords(s)}</option>`)}</select>
<input name="planId" placeholder="plan id" value="${query.planId ?? ''}" size="10" aria-label="Plan"><button type="submit">Filter</button></form></section>
<section>${table(['Status', 'Subscription and customer', 'Plan', 'Seats', 'Updated'], rows, 'No subscriptions match.')}
<p>Page ${pageNumber} of ${pages} ${pageNumber > 1 ? html`<a href="${link(pageNumber - 1)}">previous</a>` : ''} ${pageNumber < pages ? html`<a href="${link(pageNumber + 1)}">next</a>` : ''}</p></section>`;
}

/** Work the marketplace or the worker has not finished: shown as pending, and the page refreshes. */
export function pendingWork(data: SubscriptionTimeline, planName: PlanName): string[] {
  const s = data.subscription;
  const waiting = data.operations
    .filter((o) => o.outcome === 'requested' && (o.marketplaceStatus === 'InProgress' || o.marketplaceStatus === 'NotStarted'))
    .map(
      (o) =>
        `${actionWords(o.action)}${o.planId && o.action === 'ChangePlan' ? ` to ${planName(s.offerId, o.planId)}` : ''}${o.quantity !== undefined && o.action === 'ChangeQuantity' ? ` to ${o.quantity} seats` : ''}: waiting on Microsoft`,
    );
  const working = data.jobs.filter((j) => j.status === 'pending' || j.status === 'running');
  if (s.provisioning === 'pending') waiting.push('Provisioning the account');
  if (working.length > 0 && waiting.length === 0) waiting.push(`${working.length} job(s) running`);
  return waiting;
}

export function subscriptionPage(data: SubscriptionTimeline, plans: Plan[] | undefined, planName: PlanName): SafeHtml {
  const s = data.subscription;
  const pending = pendingWork(data, planName);
  return html`<h1>${s.name || s.id} ${statusBadge(s.status)}</h1>
${pending.length ? html`<div class="notice pending" role="status" id="pending">${pending.join('; ')}. This page refreshes until it is done.</div>` : ''}
<section><dl><dt>Subscription id</dt><dd>${idCode(s.id)}</dd><dt>Offer</dt><dd>${idCode(s.offerId)}</dd>
<dt>Plan</dt><dd><strong id="plan-name">${planName(s.offerId, s.planId)}</strong> <code class="id muted" id="plan-id">${s.planId}</code></dd>
<dt>Seats</dt><dd id="seats">${s.quantity ?? 'not priced per seat'}</dd>
<dt>Term <span class="muted">(marketplace time)</span></dt><dd>${termWords(s.termUnit)}${s.termStart ? html`: ${when(s.termStart)} to ${when(s.termEnd)}` : ''}</dd>
<dt>Renews</dt><dd>${renewsWords(s)}</dd>
<dt>Provisioning</dt><dd id="provisioning">${PROVISIONING[s.provisioning] ?? s.provisioning}${s.provisioningError ? html`: <span class="muted">${textWithIds(s.provisioningError)}</span>` : ''}</dd>
<dt>Activated</dt><dd>${when(s.activatedAt)}</dd>
<dt>Purchaser</dt><dd><span class="email">${s.purchaser.emailId ?? '—'}</span> <span class="muted">${idCode(s.purchaser.tenantId ?? '')}</span></dd>
<dt>Beneficiary</dt><dd><span class="email">${s.beneficiary.emailId ?? '—'}</span> <span class="muted">${idCode(s.beneficiary.tenantId ?? '')}</span></dd>
<dt>Usage</dt><dd><a id="usage-link" href="/admin/metering?subscription=${s.id}">hours recorded and billed</a></dd></dl></section>
${s.status === 'Subscribed' ? changeSection(s, plans, pending.length > 0) : ''}
<section><h2>Timeline</h2>${table(
    ["When (this service's clock)", 'What', 'Cause', 'Detail'],
    data.audit.map(
      (a) =>
        html`<tr class="audit"><td>${when(a.at)}</td><td>${kindWords(a.kind)}</td><td>${causeWords(a.cause)}</td><td>${changeWords(a, s.offerId, planName)}</td></tr>`,
    ),
  )}</section>
<section><h2>Operations</h2>${table(
    ['When (marketplace time)', 'Action', 'Started by', 'Marketplace', 'Our outcome', 'Reason'],
    newestFirst(data.operations).map(
      (o) =>
        html`<tr><td>${when(o.timeStamp)}</td><td>${actionWords(o.action)}</td><td>${o.source === 'Partner' ? 'us' : o.source === 'Azure' ? 'customer / Microsoft' : '—'}</td><td>${operationBadge(o.marketplaceStatus)}</td><td>${OUTCOME[o.outcome] ?? o.outcome}</td><td>${textWithIds(o.reason ?? '')}</td></tr>`,
    ),
  )}</section>
<section><h2>Webhooks received</h2>${table(
    ["Received (this service's clock)", 'Action', 'Operation', 'Deliveries'],
    data.webhooks.map(
      (w) => html`<tr><td>${when(w.receivedAt)}</td><td>${actionWords(w.action)}</td><td>${shortId(w.operationId)}</td><td>${w.deliveries}</td></tr>`,
    ),
  )}</section>
${
  data.events.length
    ? html`<section><h2>Events sent to the application</h2>${table(
        ['Created', 'Event', 'Status', 'Attempts', 'Last error'],
        data.events.map(
          (e) =>
            html`<tr><td>${when(e.created)}</td><td><code>${e.type}</code></td><td>${badge(e.status === 'delivered' ? 'Delivered' : e.status === 'failed' ? 'Failed' : 'Pending', e.status)}</td><td>${e.attempts}</td><td>${textWithIds(e.lastError ?? '')}</td></tr>`,
        ),
      )}</section>`
    : ''
}
<section><h2>Jobs</h2>${jobTable(data.jobs)}</section>`;
}

/**
 * Plan and seat changes the marketplace offers this subscription, and cancellation apart. While a change
 * waits on Microsoft, none can start (the marketplace would refuse it): the buttons say so by being off.
 */
function changeSection(s: LocalSubscription, plans: Plan[] | undefined, busy: boolean): SafeHtml {
  const current = plans?.find((p) => p.planId === s.planId);
  const others = (plans ?? []).filter((p) => p.planId !== s.planId && !p.isStopSell);
  const seatsOf = (p: Plan) => (p.isPricePerSeat ? `per seat, ${p.minQuantity ?? 1}–${p.maxQuantity ?? 10000}` : 'flat price');
  const off = busy ? html` disabled` : '';
  const planForm =
    plans === undefined
      ? html`<form class="inline" method="post" action="/admin/subscriptions/${s.id}/change"><input name="planId" placeholder="plan id" size="12" aria-label="New plan" required${off}><button class="secondary" type="submit"${off}>Change plan</button></form><p class="muted">Microsoft's plan list could not be read just now; type the plan id.</p>`
      : others.length
        ? html`<form class="inline" method="post" action="/admin/subscriptions/${s.id}/change"><label for="new-plan">Move to</label><select id="new-plan" name="planId"${off}>${others.map((p) => html`<option value="${p.planId}">${p.displayName} (${seatsOf(p)})</option>`)}</select><button class="secondary" type="submit"${off}>Change plan</button></form>`
        : html`<p class="muted">Microsoft offers this subscription no other plan.</p>`;
  const seatsForm =
    s.quantity !== undefined
      ? html`<form class="inline" method="post" action="/admin/subscriptions/${s.id}/change"><label for="new-seats">Seats</label><input id="new-seats" name="quantity" type="number" value="${s.quantity}" min="${current?.minQuantity ?? 1}" max="${current?.maxQuantity ?? 10000}" required${off}><button class="secondary" type="submit"${off}>Change seats</button></form>`
      : '';
  const waiting = busy
    ? html`<p id="change-waiting"><strong>Another change is still waiting on Microsoft:</strong> these open again once it completes.</p>`
    : '';
  return html`<section><h2>Change</h2><p class="muted">A change applies when Microsoft completes it; seats stay as they are unless you change them.</p>${waiting}
${planForm}${seatsForm}</section>
<section><h2>Cancel</h2><p class="muted">The customer loses access as soon as Microsoft completes it; billing stops and their data is kept for 7 days.</p>
<form method="post" action="/admin/subscriptions/${s.id}/change"><input type="hidden" name="cancel" value="yes"><button class="danger" type="submit"${off}>Cancel subscription</button></form></section>`;
}

function jobTable(jobs: JobRecord[]): SafeHtml {
  const rows = jobs.map((j) => {
    const [tone, words] = JOB_STATE[j.status] ?? ['other', j.status];
    const retry =
      j.status === 'dead' || j.status === 'pending'
        ? html`<form method="post" action="/admin/jobs/${j.id}/retry"><button class="secondary" type="submit">Run now</button></form>`
        : '';
    return html`<tr class="job"><td title="${j.kind}">${JOB_KIND[j.kind] ?? j.kind}</td><td>${badge(tone, words)}</td><td>${j.attempts}/${j.maxAttempts}</td><td>${j.status === 'pending' ? when(j.runAt) : ''}</td><td>${textWithIds(j.lastError ?? '')}</td><td>${retry}</td></tr>`;
  });
  return table(['Work', 'Status', 'Attempts', 'Next run', 'Last error', ''], rows, 'None.');
}

export function jobsPage(jobs: JobRecord[]): SafeHtml {
  return html`<h1>Jobs waiting or failed</h1><section>${jobTable(jobs)}</section>`;
}

export function driftPage(repairs: { entry: AuditEntry; offerId: string }[], planName: (offerId: string, planId: string) => string): SafeHtml {
  return html`<h1>Drift repairs</h1><section><form method="post" action="/admin/reconcile"><button type="submit">Reconcile now</button></form></section>
<section>${table(
    ['When', 'Subscription', 'Repair'],
    repairs.map(
      ({ entry: r, offerId }) =>
        html`<tr><td>${when(r.at)}</td><td><a href="/admin/subscriptions/${r.subscriptionId}">${shortId(r.subscriptionId)}</a></td><td>${changeWords(r, offerId, planName)}</td></tr>`,
    ),
    'No drift found so far.',
  )}</section>`;
}

/** The console's sign-in: the admin password, and "Sign in with Microsoft" where listed users may. */
export function loginPage(next: string, microsoftSignIn: boolean): SafeHtml {
  return html`<h1>Sign in</h1><section><form method="post" action="/admin/login"><input type="hidden" name="next" value="${next}">
<label for="password">Admin password</label><input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<p><button type="submit">Sign in</button></p></form>
${microsoftSignIn ? html`<p><a id="microsoft-sign-in" href="/auth/login?for=admin&amp;next=${encodeURIComponent(next)}">Sign in with Microsoft</a></p>` : ''}</section>`;
}
