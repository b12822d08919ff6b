// The webhook pages: every delivery the marketplace sent, and the built-in inbox with how it answers.
import { badge, html, idCode, operationBadge, table, textWithIds, when, actionWords, type SafeHtml } from '@saas-fulfillment/web';
import type { PublisherEndpointsView } from '../../endpoints.js';
import { noticeOf, type DeliveryRecord, type InboxEntry } from '../../model/webhooks.js';
import type { OperationRecord } from '../../model/subscriptions.js';
import { ANSWER_LABELS, INBOX_ANSWERS, type InboxAnswers } from '../../webhooks/inbox.js';

export function deliveryTable(deliveries: DeliveryRecord[]): SafeHtml {
  const rows = deliveries.map((d) => {
    return html`<tr class="delivery"><td>${when(d.created)}</td><td>${actionWords(noticeOf(d).action)}<div><a class="muted" href="/subscriptions/${d.subscriptionId}">${idCode(d.subscriptionId.slice(0, 8))}</a></div></td>
<td>${badge(d.status)}</td><td>${d.attempts}</td><td>${d.lastStatusCode ?? textWithIds(d.lastError ?? '—')}</td><td class="nowrap">${d.lastLatencyMs === undefined ? '—' : `${d.lastLatencyMs} ms`}</td><td><code class="url">${d.url}</code></td>
<td>${d.status === 'Pending' ? '' : html`<form method="post" action="/ui/webhooks/${d.id}/redeliver"><button class="secondary" type="submit">Redeliver</button></form>`}</td></tr>`;
  });
  return table(['Sent', 'Action', 'Status', 'Attempts', 'Last answer', 'Latency', 'To', ''], rows, 'No webhooks sent yet.');
}

/** How the inbox answers the next delivery, in words. */
function nextAnswer(answers: InboxAnswers): string {
  const [next, ...later] = answers.next;
  if (next === undefined) return ANSWER_LABELS[answers.every];
  return `${ANSWER_LABELS[next]} (next delivery only${later.length ? `, then ${later.length} more chosen` : ''})`;
}

export function inboxPage(
  publishers: { view: PublisherEndpointsView; answers: InboxAnswers }[],
  entries: InboxEntry[],
  operations: Map<string, OperationRecord | undefined>,
): SafeHtml {
  const controls = publishers.map(({ view, answers }) => {
    const elsewhere = view.webhookSource !== 'built-in';
    return html`<section><h2>${view.displayName}</h2>
${elsewhere ? html`<p class="muted">This publisher's webhooks go to <code class="url">${view.webhookUrl}</code>, not to this inbox (change it in <a href="/settings">Settings</a>).</p>` : ''}
<p>Answers now: <strong id="answer-${view.publisherId}">${nextAnswer(answers)}</strong></p>
<form class="inline" method="post" action="/ui/inbox/${view.publisherId}/answer"><label for="answer-choice-${view.publisherId}">Answer</label>
<select name="answer" id="answer-choice-${view.publisherId}">${INBOX_ANSWERS.map((a) => html`<option value="${a}">${ANSWER_LABELS[a]}</option>`)}</select>
<select name="for" aria-label="For which deliveries"><option value="next">the next delivery</option><option value="every">every delivery</option></select>
<button type="submit">Set</button></form></section>`;
  });
  const rows = entries.map((e) => {
    const operation = e.operationId ? operations.get(e.operationId) : undefined;
    const waits = operation?.status === 'InProgress' && operation.source === 'Azure';
    return html`<tr class="inbox-entry"><td>${when(e.receivedAt)}</td><td>${actionWords(e.action ?? '?')}${e.subscriptionId ? html`<div><a class="muted" href="/subscriptions/${e.subscriptionId}">${idCode(e.subscriptionId.slice(0, 8))}</a></div>` : ''}</td>
<td>${e.refusedBecause ? html`<span class="badge Failed">refused</span> ${textWithIds(e.refusedBecause)}` : html`<span class="badge Succeeded">valid</span>`}</td>
<td>${e.refusedBecause ? '401' : ANSWER_LABELS[e.answer]}${e.statusCode === undefined ? html` <span class="badge Pending">answering…</span>` : ''}</td>
<td>${operation ? operationBadge(operation.status) : '—'}${e.acknowledgement ? html`<div class="muted">${textWithIds(e.acknowledgement)}</div>` : ''}</td>
<td>${waits ? html`<form class="inline" method="post" action="/ui/inbox/entries/${e.id}/acknowledge"><input type="hidden" name="status" value="Success"><button class="secondary" type="submit">PATCH Success</button></form><form class="inline" method="post" action="/ui/inbox/entries/${e.id}/acknowledge"><input type="hidden" name="status" value="Failure"><button class="secondary" type="submit">PATCH Failure</button></form>` : ''}</td></tr>`;
  });
  return html`<h1>Built-in webhook inbox</h1>
<p class="muted">Publishers without a connection webhook of their own get their notices here. Each delivery's bearer token is checked as a publisher must check it.</p>
${controls}
<section><h2>Received</h2>${table(['Received', 'Action', 'Token', 'Answer', 'Operation', ''], rows, 'Nothing received yet.')}</section>`;
}

export const webhooksPage = (deliveries: DeliveryRecord[]) => html`<h1>Webhook deliveries</h1><section>${deliveryTable(deliveries)}</section>`;
