// The console's metering pages: what needs attention, usage per subscription, dimension and hour with
// what was billed and Microsoft's answer, and the reconciliation of our record against Microsoft's.
import type { GetUsageEvent } from '@saas-fulfillment/contract';
import { badge, html, idCode, table, when, type SafeHtml } from '@saas-fulfillment/web';
import type { MeteringAlert } from '../metering/index.js';
import type { UsageHour, UsageHourStatus } from '../model.js';

const STATUS: Record<UsageHourStatus, [badgeClass: string, words: string]> = {
  open: ['Pending', 'Collecting'],
  included: ['Succeeded', 'Covered by the plan'],
  ready: ['InProgress', 'To send'],
  accepted: ['Succeeded', 'Billed'],
  rejected: ['Rejected', 'Refused by Microsoft'],
  expired: ['Failed', 'Expired unsent'],
};

const ALERT: Record<MeteringAlert['kind'], string> = {
  'at-risk': 'Not billed yet, and the 24-hour window closes soon',
  rejected: 'Refused by Microsoft: this usage is not billed',
  expired: 'Not sent within 24 hours: this usage can no longer be billed',
  mismatch: 'Microsoft holds another quantity for this hour',
};

const QUANTITY = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
const number = (value: number | undefined) => html`<td class="number">${value === undefined ? '—' : QUANTITY.format(value)}</td>`;
const hourBadge = (status: UsageHourStatus) => badge(...STATUS[status]);
const subscriptionLink = (id: string) => html`<a href="/admin/subscriptions/${id}">${idCode(id.slice(0, 8))}</a>`;

export interface UsageFilter {
  subscription?: string | undefined;
  status?: UsageHourStatus | undefined;
}

export function meteringPage(hours: UsageHour[], alerts: MeteringAlert[], summary: Record<string, number>, filter: UsageFilter): SafeHtml {
  const counts = (Object.keys(STATUS) as UsageHourStatus[]).map(
    (status) => html`<a class="nowrap" href="/admin/metering?status=${status}">${hourBadge(status)} ${summary[status] ?? 0}</a>`,
  );
  return html`<h1>Usage</h1>
<section><p>${counts}</p>
<form method="post" action="/admin/metering/submit"><button type="submit" id="submit-usage">Send closed hours now</button>
<span class="muted">Hours are also sent on a timer. Each hour is billed once: the plan's included quantity first, the rest as overage.</span></form>
<p><a href="/admin/metering/reconciliation">Reconciliation with Microsoft</a></p></section>
<section><h2>Needs attention</h2>${alertTable(alerts)}</section>
<section><h2>Hours${filter.status ? html` · ${STATUS[filter.status][1]}` : ''}${filter.subscription ? html` · subscription ${idCode(filter.subscription)}` : ''}</h2>
${filter.status || filter.subscription ? html`<p><a href="/admin/metering">Show all hours</a></p>` : ''}${hourTable(hours, !filter.subscription)}</section>`;
}

function alertTable(alerts: MeteringAlert[]): SafeHtml {
  return table(
    ['Hour', 'Subscription', 'Dimension', 'To bill', 'What happened', 'Deadline'],
    alerts.map(
      (a) =>
        html`<tr class="alert"><td>${when(a.hour.hour)}</td><td>${subscriptionLink(a.hour.subscriptionId)}</td><td>${a.hour.dimension}</td>${number(a.hour.billable || a.hour.quantity)}<td>${ALERT[a.kind]}${a.hour.lastError ? html`<div class="muted">${a.hour.lastError}</div>` : ''}</td><td>${a.kind === 'at-risk' ? when(a.deadline) : html`<span class="muted">passed</span>`}</td></tr>`,
    ),
    'Nothing needs attention: every closed hour is billed or on its way.',
  );
}

/** Hours with what was recorded, what the plan covered, what was billed and Microsoft's answer. */
function hourTable(hours: UsageHour[], withSubscription = true): SafeHtml {
  const head = ['Hour', ...(withSubscription ? ['Subscription'] : []), 'Dimension', 'Recorded', 'Included', 'Billed', 'Status', 'Usage event'];
  return table(
    head,
    hours.map(
      (h) =>
        html`<tr><td>${when(h.hour)}</td>${withSubscription ? html`<td>${subscriptionLink(h.subscriptionId)}</td>` : ''}<td>${h.dimension}</td>${number(h.quantity)}${number(h.status === 'open' ? undefined : h.included)}${number(h.status === 'accepted' ? h.acceptedQuantity : undefined)}<td>${hourBadge(h.status)}${h.duplicate ? html` <span class="muted">(sent before)</span>` : ''}${h.lastError && h.status !== 'accepted' ? html`<div class="muted">${h.lastError}</div>` : ''}</td><td>${h.usageEventId ? idCode(h.usageEventId) : html`<span class="muted">—</span>`}</td></tr>`,
    ),
    'No usage recorded yet. The application reports it to POST /api/usage.',
  );
}

/** One line of the reconciliation: our billed total of a subscription, dimension and day against Microsoft's. */
export interface ReconciliationLine {
  day: string;
  subscriptionId: string;
  dimension: string;
  ours: number;
  theirs: GetUsageEvent | undefined;
}

export function reconciliationPage(day: string, lines: ReconciliationLine[], unavailable: string | undefined): SafeHtml {
  const verdict = (line: ReconciliationLine) => {
    if (!line.theirs) return badge('Failed', 'Missing at Microsoft');
    if (line.theirs.submittedQuantity !== line.ours) return badge('Rejected', 'Quantities differ');
    return badge(line.theirs.reconStatus === 'Accepted' ? 'Succeeded' : 'Pending', line.theirs.reconStatus === 'Accepted' ? 'Matches' : 'Matches, processing');
  };
  return html`<h1>Reconciliation</h1>
<section><form class="inline" method="get" action="/admin/metering/reconciliation"><label for="day">Day (UTC)</label><input id="day" name="day" type="date" value="${day}"><button type="submit">Compare</button></form>
<p class="muted">What we billed for each subscription and dimension that day, against what Microsoft's Metering API holds (GET /usageEvents) and its reconciliation status.</p></section>
${unavailable ? html`<div class="notice error" role="alert">${unavailable}</div>` : ''}
<section>${table(
    ['Subscription', 'Dimension', 'We billed', 'Microsoft holds', 'Processed', 'Status at Microsoft', 'Verdict'],
    lines.map(
      (l) =>
        html`<tr><td>${subscriptionLink(l.subscriptionId)}</td><td>${l.dimension}</td>${number(l.ours)}${number(l.theirs?.submittedQuantity)}${number(l.theirs?.processedQuantity)}<td>${l.theirs?.reconStatus ?? '—'}</td><td>${verdict(l)}</td></tr>`,
    ),
    'Nothing billed that day.',
  )}</section>`;
}
