// The console's metering pages: what needs attention, usage per subscription, dimension and hour with
// what was billed and Microsoft's answer, and the reconciliation of our record against Microsoft's.
import { badge, dayWords, html, idCode, quantityWords, table, when, type SafeHtml } from '@saas-fulfillment/web';
import type { MeteringAlert, ReconciliationLine, UsageHour, UsageHourStatus, UsageLabels } from '../../model/metering.js';

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

/** Microsoft's reconciliation statuses in words. */
const RECON: Record<string, string> = {
  Submitted: 'received, not processed yet',
  Accepted: 'processed',
  Rejected: 'rejected',
  Mismatch: 'processed at another quantity',
  TestHeaders: 'test call, not billed',
  DryRun: 'dry run, not billed',
};

const number = (value: number | undefined) => html`<td class="number">${value === undefined ? '—' : quantityWords(value)}</td>`;
const hourBadge = (status: UsageHourStatus) => badge(...STATUS[status]);
const subscriptionLink = (id: string, labels: UsageLabels) => html`<a href="/admin/subscriptions/${id}">${labels.names.get(id) || idCode(id.slice(0, 8))}</a>`;
/** A dimension by its plan's name and unit ("API calls (calls)"), or its id when the plan is not known. */
function dimensionCell(subscriptionId: string, dimensionId: string, labels: UsageLabels): SafeHtml {
  const dimension = labels.dimensions.get(subscriptionId)?.get(dimensionId);
  return dimension
    ? html`<td>${dimension.displayName} <span class="muted nowrap">(${dimension.unitOfMeasure})</span></td>`
    : html`<td>${idCode(dimensionId)}</td>`;
}
const shortId = (id: string | undefined) => (id ? html`<code class="id" title="${id}">${id.slice(0, 8)}</code>` : html`<span class="muted">—</span>`);

export interface UsageFilter {
  subscription?: string | undefined;
  status?: UsageHourStatus | undefined;
}

export function meteringPage(
  data: { hours: UsageHour[]; alerts: MeteringAlert[]; summary: Record<string, number>; labels: UsageLabels },
  filter: UsageFilter,
): SafeHtml {
  const { hours, alerts, summary, labels } = data;
  // A count of none is not an alarm: only the statuses that hold hours wear their colour.
  const counts = (Object.keys(STATUS) as UsageHourStatus[]).map((status) => {
    const count = summary[status] ?? 0;
    const label = count > 0 ? hourBadge(status) : html`<span class="muted">${STATUS[status][1]}</span>`;
    return html`<li><a class="nowrap" href="/admin/metering?status=${status}">${label} <strong>${count}</strong></a></li>`;
  });
  const scope = filter.subscription ? html` · ${labels.names.get(filter.subscription) || idCode(filter.subscription)}` : '';
  return html`<h1>Usage</h1>
<section><ul class="counts" aria-label="Hours by status">${counts}</ul>
<form method="post" action="/admin/metering/submit"><button type="submit" id="submit-usage">Send closed hours now</button></form>
<p class="muted">Closed hours are also sent every few minutes. Each hour is billed once: the plan's included quantity first, the rest as overage.</p>
<p><a href="/admin/metering/reconciliation">Compare with Microsoft's record</a></p></section>
<section><h2>Needs attention</h2>${alerts.length ? alertTable(alerts, labels) : html`<p class="muted" id="no-alerts">Nothing needs attention: every closed hour is billed or on its way.</p>`}</section>
<section><h2>Hours${filter.status ? html` · ${STATUS[filter.status][1]}` : ''}${scope}</h2>
${filter.status || filter.subscription ? html`<p><a href="/admin/metering">Show all hours</a></p>` : ''}${hourTable(hours, labels, !filter.subscription)}</section>`;
}

function alertTable(alerts: MeteringAlert[], labels: UsageLabels): SafeHtml {
  return table(
    ['Hour', 'Subscription', 'Dimension', 'To bill', 'What happened', 'Deadline'],
    alerts.map(
      (a) =>
        html`<tr class="alert"><td>${when(a.hour.hour)}</td><td>${subscriptionLink(a.hour.subscriptionId, labels)}</td>${dimensionCell(a.hour.subscriptionId, a.hour.dimension, labels)}${number(a.hour.billable || a.hour.quantity)}<td>${ALERT[a.kind]}${a.hour.lastError ? html`<div class="muted">${a.hour.lastError}</div>` : ''}</td><td>${a.kind === 'at-risk' ? when(a.deadline) : html`<span class="muted">passed</span>`}</td></tr>`,
    ),
    'Nothing needs attention: every closed hour is billed or on its way.',
  );
}

/** Hours with what was recorded, what the plan covered, what was billed and Microsoft's answer. */
function hourTable(hours: UsageHour[], labels: UsageLabels, withSubscription: boolean): SafeHtml {
  const head = ['Hour', ...(withSubscription ? ['Subscription'] : []), 'Dimension', 'Recorded', 'Included', 'Billed', 'Status', 'Usage event'];
  return table(
    head,
    hours.map(
      (h) =>
        html`<tr><td>${when(h.hour)}</td>${withSubscription ? html`<td>${subscriptionLink(h.subscriptionId, labels)}</td>` : ''}${dimensionCell(h.subscriptionId, h.dimension, labels)}${number(h.quantity)}${number(h.status === 'open' ? undefined : h.included)}${number(h.status === 'accepted' ? h.acceptedQuantity : undefined)}<td>${hourBadge(h.status)}${h.duplicate ? html` <span class="muted">(sent before)</span>` : ''}${h.lastError && h.status !== 'accepted' ? html`<div class="muted">${h.lastError}</div>` : ''}</td><td>${shortId(h.usageEventId)}</td></tr>`,
    ),
    'No usage recorded yet. The application reports it to POST /api/usage.',
  );
}

/** The calendar day `days` after `day` (both YYYY-MM-DD, UTC). */
const dayAfter = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** How many days back the day list reaches: Microsoft keeps usage events to read back for longer, but a month covers a billing term's reconciliation. */
const DAYS_LISTED = 62;

/**
 * The day chooser: the day before and after as links, and the recent days in words (a browser's date field
 * would show the day in its own locale's digits, "12/05/2026", where every other date reads "5 December 2026").
 */
function dayChooser(day: string, today: string): SafeHtml {
  const days = Array.from({ length: DAYS_LISTED }, (_, i) => dayAfter(today, -i));
  if (!days.includes(day)) days.unshift(day);
  const link = (to: string, words: string) => html`<a href="/admin/metering/reconciliation?day=${to}">${words}</a>`;
  return html`<form class="inline" method="get" action="/admin/metering/reconciliation"><label for="day">Day (UTC)</label><select id="day" name="day">${days.map(
    (d) => html`<option value="${d}"${d === day ? html` selected` : ''}>${dayWords(d)}${d === today ? ' (today)' : ''}</option>`,
  )}</select><button type="submit">Compare</button></form>
<p class="day-steps">${link(dayAfter(day, -1), `‹ ${dayWords(dayAfter(day, -1))}`)}${day < today ? html` · ${link(dayAfter(day, 1), `${dayWords(dayAfter(day, 1))} ›`)}` : ''}</p>`;
}

export function reconciliationPage(
  days: { day: string; today: string },
  lines: ReconciliationLine[],
  labels: UsageLabels,
  unavailable: string | undefined,
): SafeHtml {
  const { day, today } = days;
  const verdict = (line: ReconciliationLine) => {
    if (!line.theirs) return badge('Failed', 'Missing at Microsoft');
    if (line.theirs.submittedQuantity !== line.ours) return badge('Rejected', 'Quantities differ');
    return badge(line.theirs.reconStatus === 'Accepted' ? 'Succeeded' : 'Pending', line.theirs.reconStatus === 'Accepted' ? 'Matches' : 'Matches, processing');
  };
  return html`<h1>Reconciliation</h1>
<section>${dayChooser(day, today)}
<p class="muted">What we billed for each subscription and dimension that day, against what Microsoft's Metering API holds (GET /usageEvents) and its reconciliation status.</p></section>
${unavailable ? html`<div class="notice error" role="alert">${unavailable}</div>` : ''}
<section>${
    lines.length === 0
      ? html`<p class="muted" id="nothing-billed">Nothing billed that day, here or at Microsoft.</p>`
      : table(
          ['Subscription', 'Dimension', 'We billed', 'Microsoft holds', 'Processed', 'Status at Microsoft', 'Verdict'],
          lines.map(
            (l) =>
              html`<tr><td>${subscriptionLink(l.subscriptionId, labels)}</td>${dimensionCell(l.subscriptionId, l.dimension, labels)}${number(l.ours)}${number(l.theirs?.submittedQuantity)}${number(l.theirs?.reconStatus === 'Submitted' ? undefined : l.theirs?.processedQuantity)}<td>${l.theirs ? (RECON[l.theirs.reconStatus] ?? l.theirs.reconStatus) : '—'}</td><td>${verdict(l)}</td></tr>`,
          ),
        )
  }</section>`;
}
