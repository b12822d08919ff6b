// The console's Connection page: how this service authenticates to Microsoft and how that fares: the
// kind of credential, the last token, the last failure and its likely cause, and for a certificate its
// expiry, with a warning 30 days ahead. A secret that expires is the outage vendors meet most.
import { type CredentialHealth, PRODUCTION_API } from '@saas-fulfillment/client';
import { badge, html, idCode, when, type SafeHtml } from '@saas-fulfillment/web';

/** A certificate this close to its expiry is a warning on the page and in the metrics. */
const WARN_DAYS = 30;
const DAY_MS = 86_400_000;

const KIND: Record<CredentialHealth['kind'], string> = {
  'client-secret': 'Client secret',
  certificate: 'Certificate',
  federated: 'Federated credential (workload identity)',
};

/** Whom this service bills through: Microsoft, or an emulator (development, tests). */
function counterpart(marketplaceApi: string): SafeHtml {
  return marketplaceApi === PRODUCTION_API
    ? html`<p id="counterpart">This service talks to <strong>Microsoft's marketplace</strong> (<code>${marketplaceApi}</code>): purchases, changes and usage are real.</p>`
    : html`<p id="counterpart">This service talks to <strong>a marketplace emulator</strong> at <code>${marketplaceApi}</code>, not to Microsoft: nothing here is billed. Set MARKETPLACE_API_URL (or leave it unset) for production.</p>`;
}

export function connectionPage(health: CredentialHealth | undefined, now: Date, marketplaceApi: string): SafeHtml {
  if (!health)
    return html`<h1>Connection</h1><section>${counterpart(marketplaceApi)}<p class="muted">This service was started without a credential to report on.</p></section>`;
  const daysLeft = health.certificateExpiresAt ? Math.floor((Date.parse(health.certificateExpiresAt) - now.getTime()) / DAY_MS) : undefined;
  const warnings = [
    health.lastError ? html`<div class="notice error" role="alert" id="credential-error">The last token request failed: ${health.lastError}</div>` : '',
    daysLeft !== undefined && daysLeft < WARN_DAYS
      ? html`<div class="notice error" role="alert" id="certificate-expiry">The certificate ${daysLeft < 0 ? 'has expired' : `expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`}: upload a new one to the app registration and set CLIENT_CERTIFICATE_PATH to it before then, or billing stops.</div>`
      : '',
    health.kind === 'client-secret'
      ? html`<div class="notice pending" role="status">A client secret expires (at most two years after it is made) without warning from here: a certificate (CLIENT_CERTIFICATE_PATH) shows its expiry on this page, and a federated credential (AZURE_FEDERATED_TOKEN_FILE) has none.</div>`
      : '',
  ];
  const state = health.lastError ? badge('Failed', 'Failing') : health.lastTokenAt ? badge('Succeeded', 'Working') : badge('Pending', 'No token yet');
  return html`<h1>Connection ${state}</h1>${warnings}
<section>${counterpart(marketplaceApi)}<dl>
<dt>Credential</dt><dd id="credential-kind">${KIND[health.kind]}</dd>
<dt>App (client id)</dt><dd>${idCode(health.clientId)}</dd>
<dt>Tenant</dt><dd>${idCode(health.tenantId)}</dd>
<dt>Last token</dt><dd>${when(health.lastTokenAt)}</dd>
<dt>Token valid until</dt><dd>${when(health.tokenExpiresAt)}</dd>
${health.certificateExpiresAt ? html`<dt>Certificate expires</dt><dd id="certificate-expires">${when(health.certificateExpiresAt)} <span class="muted">(${daysLeft} days)</span></dd><dt>Thumbprint (SHA-256)</dt><dd><code class="url">${health.certificateThumbprint ?? ''}</code></dd>` : ''}
</dl></section>`;
}
