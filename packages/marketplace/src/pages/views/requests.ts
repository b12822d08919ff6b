// The request inspector's page: each call the publisher's code made to the marketplace's APIs and token
// endpoints, newest first, with who made it, what came back and how long it took; the bodies on demand.
import { STATUS_CODES } from 'node:http';
import { badge, html, idCode, table, textWithIds, when, type SafeHtml } from '@saas-fulfillment/web';
import type { Catalog } from '../../catalog.js';
import type { InspectedCall } from '../../simulator/requests.js';

export interface RequestsView {
  calls: InspectedCall[];
  kept: number;
  subscriptionId: string | undefined;
  live: boolean;
}

export function requestsPage(catalog: Catalog, view: RequestsView): SafeHtml {
  const rows = [...view.calls].reverse().map((call) => callRow(catalog, call));
  const filtered = view.subscriptionId !== undefined;
  return html`<h1>Requests</h1>
<p class="muted">Each call your code made to the marketplace's APIs and token endpoints, newest first (the last ${view.kept.toLocaleString('en-US')} are kept). Secrets (client secrets, assertions, access and landing tokens) are hidden.</p>
<section><form class="inline" method="get" action="/requests"><label for="subscription-filter">Subscription</label>
<input id="subscription-filter" class="wide" name="subscriptionId" value="${view.subscriptionId ?? ''}" placeholder="Subscription id" pattern="[0-9a-fA-F-]{36}">
${view.live ? '' : html`<input type="hidden" name="live" value="off">`}<button type="submit">Show its calls</button></form>
<p>${filtered ? html`<a href="/requests${view.live ? '' : '?live=off'}">Show every call</a> · ` : ''}${
    view.live
      ? html`Updates every two seconds. <a href="${pausedLink(view.subscriptionId)}">Pause updates</a> to read the bodies.`
      : html`Updates are paused. <a href="/requests${filtered ? `?subscriptionId=${view.subscriptionId}` : ''}">Resume</a>.`
  }</p>
${table(['When', 'Caller', 'Call', 'Answer', 'Took', 'Subscription', 'Bodies'], rows, filtered ? 'No call about this subscription yet.' : 'No calls yet: your code has not called the marketplace.')}</section>`;
}

function pausedLink(subscriptionId: string | undefined): string {
  return `/requests?live=off${subscriptionId ? `&subscriptionId=${subscriptionId}` : ''}`;
}

function callRow(catalog: Catalog, call: InspectedCall): SafeHtml {
  const publisher = call.publisherId ? catalog.publisher(call.publisherId) : call.clientId ? catalog.publisherByClientId(call.clientId) : undefined;
  const caller = publisher
    ? (publisher.displayName ?? publisher.publisherId)
    : call.clientId
      ? html`An unknown app ${idCode(call.clientId.slice(0, 8))}`
      : 'Not signed in';
  const outcome = call.status < 400 ? 'Succeeded' : call.status < 500 ? 'Failed' : 'Conflict';
  return html`<tr class="request"><td>${when(call.at)}</td><td>${caller}</td><td><code class="call">${call.method} ${textWithIds(call.path)}</code></td>
<td>${badge(outcome, `${call.status} ${STATUS_CODES[call.status] ?? ''}`)}</td><td class="nowrap">${call.durationMs < 1 ? 'under 1 ms' : `${Math.round(call.durationMs)} ms`}</td>
<td>${call.subscriptionIds.length ? call.subscriptionIds.map((id) => html`<a href="/subscriptions/${id}">${idCode(id.slice(0, 8))}</a> `) : html`<span class="muted">—</span>`}</td>
<td><details><summary>Show</summary><p class="muted">Sent</p><pre class="url">${bodyText(call.request)}</pre><p class="muted">Answered</p><pre class="url">${bodyText(call.response)}</pre></details></td></tr>`;
}

function bodyText(body: unknown): string {
  if (body === null || body === undefined) return '(nothing)';
  return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}
