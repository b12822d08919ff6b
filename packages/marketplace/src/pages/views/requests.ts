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
      ? html`Updates every two seconds. <a href="${pausedLink(view.subscriptionId)}">Pause updates</a>.`
      : html`Updates are paused. <a href="/requests${filtered ? `?subscriptionId=${view.subscriptionId}` : ''}">Resume</a>.`
  }</p>
${table(['When', 'Caller', 'Call', 'Answer', 'Took', 'Subscription', ''], rows, filtered ? 'No call about this subscription yet.' : 'No calls yet: your code has not called the marketplace.')}</section>`;
}

function pausedLink(subscriptionId: string | undefined): string {
  return `/requests?live=off${subscriptionId ? `&subscriptionId=${subscriptionId}` : ''}`;
}

function callRow(catalog: Catalog, call: InspectedCall): SafeHtml {
  return html`<tr class="request"><td>${when(call.at)}</td><td>${callerWords(catalog, call)}</td><td><code class="call">${call.method} ${textWithIds(call.path)}</code></td>
<td>${answerBadge(call)}</td><td class="nowrap">${took(call)}</td>
<td>${subscriptionLinks(call)}</td>
<td><a href="/requests/${call.seq}">Show the bodies</a></td></tr>`;
}

/** One call whole: who made it, what was sent and what came back, each body at the page's full width. */
export function callPage(catalog: Catalog, call: InspectedCall): SafeHtml {
  return html`<h1><code class="call">${call.method} ${textWithIds(call.path)}</code></h1>
<section><dl><dt>When</dt><dd>${when(call.at)}</dd><dt>Caller</dt><dd>${callerWords(catalog, call)}</dd><dt>Answer</dt><dd>${answerBadge(call)}</dd>
<dt>Took</dt><dd>${took(call)}</dd><dt>Subscription</dt><dd>${subscriptionLinks(call)}</dd></dl>
<p class="muted">Secrets (client secrets, assertions, access and landing tokens) are hidden. <a href="/requests">Back to every call</a></p></section>
<section><h2>Sent</h2><pre class="body" id="request-body">${bodyText(call.request)}</pre></section>
<section><h2>Answered</h2><pre class="body" id="response-body">${bodyText(call.response)}</pre></section>`;
}

function callerWords(catalog: Catalog, call: InspectedCall): SafeHtml | string {
  const publisher = call.publisherId ? catalog.publisher(call.publisherId) : call.clientId ? catalog.publisherByClientId(call.clientId) : undefined;
  if (publisher) return publisher.displayName ?? publisher.publisherId;
  return call.clientId ? html`An unknown app ${idCode(call.clientId.slice(0, 8))}` : 'Not signed in';
}

const answerBadge = (call: InspectedCall) =>
  badge(call.status < 400 ? 'Succeeded' : call.status < 500 ? 'Failed' : 'Conflict', `${call.status} ${STATUS_CODES[call.status] ?? ''}`);

const took = (call: InspectedCall) => (call.durationMs < 1 ? 'under 1 ms' : `${Math.round(call.durationMs)} ms`);

const subscriptionLinks = (call: InspectedCall) =>
  call.subscriptionIds.length
    ? call.subscriptionIds.map((id) => html`<a href="/subscriptions/${id}">${idCode(id.slice(0, 8))}</a> `)
    : html`<span class="muted">—</span>`;

/** A body as text: parsed ones indented (they nest at most a few levels: the log parses no deeper), text as sent. */
function bodyText(body: unknown): string {
  if (body === null || body === undefined) return '(nothing)';
  return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}
