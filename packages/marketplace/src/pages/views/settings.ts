// Settings: each publisher's landing page and webhook, and the reset.
import { html, type SafeHtml } from '@saas-fulfillment/web';
import type { EndpointSource, PublisherEndpointsView } from '../../endpoints.js';

const SOURCE: Record<EndpointSource, string> = {
  runtime: 'set here',
  catalog: "from the catalog (the built-in demo's unless --config gave one)",
  'built-in': "the emulator's own",
};

export function settingsPage(publishers: PublisherEndpointsView[]): SafeHtml {
  return html`<h1>Settings</h1>
${publishers.map(
  (p) => html`<section><h2>${p.displayName}</h2>
<form method="post" action="/ui/settings/${p.publisherId}"><div class="grid">
<div><label for="landing-${p.publisherId}">Landing page</label><input id="landing-${p.publisherId}" name="landingPageUrl" value="${p.landingPageSource === 'runtime' ? p.landingPageUrl : ''}" placeholder="${p.landingPageUrl}"><div class="muted">Now: <code class="url">${p.landingPageUrl}</code> (${SOURCE[p.landingPageSource]})</div></div>
<div><label for="webhook-${p.publisherId}">Connection webhook</label><input id="webhook-${p.publisherId}" name="webhookUrl" value="${p.webhookSource === 'runtime' ? p.webhookUrl : ''}" placeholder="${p.webhookUrl}"><div class="muted">Now: <code class="url">${p.webhookUrl}</code> (${SOURCE[p.webhookSource]})</div></div>
</div><p><button type="submit">Save</button> <span class="muted">Leave a field empty for the default.</span></p></form></section>`,
)}
<section><h2>Reset</h2><p>Empties subscriptions, operations, landing tokens, webhook deliveries, the inbox and usage, and moves the clock back to real time. Keys and the settings above stay.</p>
<p><a class="button secondary" href="/reset">Reset everything…</a></p></section>`;
}

/** What a reset takes away, said before it is done; under `dev`, the publisher's data goes too. */
export function resetPage(emptiesPublisher: boolean): SafeHtml {
  return html`<h1>Reset everything?</h1>
<section><p>This empties the emulator: every subscription, operation, landing token, webhook delivery, the inbox, the usage and the request log; the clock goes back to real time (or the emulator returns to the seed it started from). Keys and endpoints stay.</p>
${emptiesPublisher ? html`<p class="notice error" id="publisher-too"><strong>The publisher service beside the emulator (<code>dev</code>) is reset too:</strong> its subscriptions, jobs, webhooks, audit trail and usage are deleted. Its settings and console sessions stay.</p>` : ''}
<form method="post" action="/ui/reset"><input type="hidden" name="confirm" value="everything"><button class="danger" type="submit">Yes, reset everything</button> <a href="/settings">Cancel</a></form></section>`;
}
