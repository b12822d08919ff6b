// @ts-check
// The product's pages, rendered on the server from the SDK's decision: the plan, what it unlocks, the team
// and its seats, the reports API and what became of its calls' usage. A script (assets/product.js) reloads
// the page when the publisher's event says the subscription changed.
import { FEATURES, planOf, plansWith } from './plans.js';

/** @typedef {import('@saas-fulfillment/app').Decision} Decision */
/** @typedef {import('@saas-fulfillment/app').Entitlement} Entitlement */
/** @typedef {import('./sign-in.js').ProductUser} ProductUser */
/** @typedef {{ calls: number; billed: number; refused: number; lastRefusal?: string }} Billing */

const ESCAPES = /** @type {Record<string, string>} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' });

/** Text made safe for HTML. */
export const escapeHtml = (/** @type {unknown} */ value) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Where a customer manages a Microsoft subscription. */
const MANAGE = '<a href="https://admin.microsoft.com/">Microsoft 365 admin center</a>';

/**
 * The shell of every page; the signed-in user, if any, in the header with a way out.
 * @param {string} title
 * @param {string} body
 * @param {{ user?: ProductUser | undefined; attributes?: string }} [options]
 */
function page(title, body, options = {}) {
  const who = options.user
    ? `<span class="user" id="signed-in">${escapeHtml(options.user.email || options.user.name)}</span><form method="post" action="/sign-out"><button type="submit" class="link">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Contoso Cloud</title><link rel="stylesheet" href="/assets/product.css"><script src="/assets/product.js" defer></script></head>
<body><header><span class="brand">Contoso Cloud</span><span class="tag">an example product</span>${who}</header>
<main${options.attributes ?? ''}>${body}</main>
<footer>A product of the fictional vendor Contoso, built on <code>@saas-fulfillment/app</code>. You sign in with Microsoft Entra ID, at your organization; a workspace opens for the organization that bought it.</footer>
</body></html>`;
}

/**
 * The front door: the way to buy, or for someone signed in, the way to their organization's workspace.
 * @param {{ marketplaceUrl?: string | undefined; user?: ProductUser | undefined; workspace?: string | undefined }} view
 */
export function homePage(view) {
  const buy = view.marketplaceUrl
    ? `<a class="button" href="${escapeHtml(view.marketplaceUrl)}/">Buy it in the marketplace simulator</a>`
    : 'Buy it in Microsoft AppSource or Azure Marketplace.';
  const next = view.workspace ? `<a class="button" href="/s/${encodeURIComponent(view.workspace)}">Open your workspace</a>` : buy;
  return page(
    'Welcome',
    `<h1>Welcome to Contoso Cloud</h1><p>Your team's notes, dashboards and reports, billed through Microsoft.</p>
<p>Once you have bought and activated a subscription, its page has a link that opens your workspace here; you sign in with your organization's Microsoft account.</p><p id="next-step">${next}</p>`,
    { user: view.user },
  );
}

/** Someone signed in at another organization than the one the subscription belongs to. */
export function otherTenantPage(/** @type {ProductUser} */ user) {
  return page(
    'Another organization',
    `<h1>Another organization's workspace</h1><p id="standing">This workspace belongs to another organization than the one you signed in with.</p>
<p id="next-step">Sign out, then open the link again and sign in with an account of the organization that bought the subscription.</p>`,
    { user },
  );
}

/** A sign-in that did not complete. */
export function signInFailedPage(/** @type {string} */ reason) {
  return page(
    'Sign-in not completed',
    `<h1>Sign-in not completed</h1><p id="standing">We could not sign you in: ${escapeHtml(reason)}.</p><p id="next-step">Open the link to your workspace again to start over.</p>`,
  );
}

/**
 * A subscription the product cannot serve: unknown, not active, or the publisher out of reach.
 * @param {Decision} decision
 * @param {ProductUser} [user]
 */
export function refusedPage(decision, user) {
  const status = decision.entitlement?.status;
  const [title, text, next] =
    decision.reason === 'unverified'
      ? ['Try again shortly', 'We could not check your subscription just now.', 'Reload this page in a minute.']
      : decision.reason === 'unknown-subscription'
        ? ['Subscription not found', 'We do not know this subscription.', 'Open Contoso Cloud from the page you reached after buying it.']
        : status === 'PendingFulfillmentStart'
          ? ['Not active yet', 'This subscription is bought but not activated yet.', 'Activate it on the page Microsoft sent you to after the purchase.']
          : [
              'Subscription cancelled',
              'This subscription has been cancelled, so its workspace is closed.',
              `To use Contoso Cloud again, buy it again in the ${MANAGE} or on Microsoft AppSource.`,
            ];
  return page(title, `<h1>${title}</h1><p id="standing">${text}</p><p id="next-step">${next}</p>`, { user });
}

/** Notices a form's redirect asks for, by name. */
const NOTICES = /** @type {Record<string, string>} */ ({
  added: 'Teammate added.',
  full: 'Every seat is taken: add seats to the subscription in the marketplace first.',
  'read-only': 'The workspace is read-only while the subscription is suspended.',
  name: 'Give the teammate a name of 1 to 60 characters.',
});

/**
 * The workspace of a subscription the publisher says may use the product.
 * @param {{ id: string; decision: Decision; user: ProductUser; members: readonly string[]; seats: number; notice?: string | undefined; billing: Billing }} view
 */
export function workspacePage(view) {
  const entitlement = /** @type {Entitlement} */ (view.decision.entitlement);
  const plan = planOf(entitlement.planId);
  const readOnly = view.decision.reason === 'read-only';
  const base = `/s/${encodeURIComponent(view.id)}`;
  const notice = view.notice && Object.hasOwn(NOTICES, view.notice) ? `<p class="notice" role="status" id="notice">${NOTICES[view.notice]}</p>` : '';
  const standing = readOnly
    ? `<p class="warning" id="standing">Read-only: Microsoft could not collect the subscription's payment, so it is suspended. Your data is kept.</p><p id="next-step">Settle the payment in the ${MANAGE} (Billing); the workspace opens again by itself.</p>`
    : `<p id="standing">Your workspace is open.</p><p id="next-step">Add your team, then try the reports API below.</p>`;
  return page(
    'Your workspace',
    `<h1>Your workspace</h1>${notice}${standing}
<section><h2>Plan</h2><dl><dt>Plan</dt><dd id="plan">${escapeHtml(plan.name)}</dd><dt>Seats</dt><dd id="seats">${view.members.length} of ${view.seats} in use</dd><dt>Status</dt><dd id="status">${readOnly ? 'Suspended' : 'Active'}</dd></dl>
<p class="muted" id="live">A change made in the marketplace (plan, seats, suspension) shows here within seconds.</p></section>
<section><h2>Features</h2><ul id="features">${features(plan.features)}</ul></section>
<section><h2>Team</h2><ul id="members">${view.members.map((name) => `<li>${escapeHtml(name)}</li>`).join('')}</ul>${teamForm(base, readOnly, view.members.length >= view.seats)}</section>
<section><h2>Reports API</h2>${apiSection(base, plan, readOnly, view.billing)}</section>`,
    { user: view.user, attributes: ` data-updates="${base}/updates"` },
  );
}

function features(/** @type {readonly string[]} */ included) {
  return Object.entries(FEATURES)
    .map(([id, name]) =>
      included.includes(id)
        ? `<li class="on" data-feature="${id}">${escapeHtml(name)}</li>`
        : `<li class="off" data-feature="${id}">${escapeHtml(name)} <span class="muted">(in ${plansWith(/** @type {import('./plans.js').Feature} */ (id))})</span></li>`,
    )
    .join('');
}

function teamForm(/** @type {string} */ base, /** @type {boolean} */ readOnly, /** @type {boolean} */ full) {
  if (readOnly) return '<p class="muted">Teammates can be added again once the subscription is reinstated.</p>';
  if (full) return '<p class="muted" id="seats-full">Every seat is in use. Add seats to the subscription in the marketplace to invite more people.</p>';
  return `<form method="post" action="${base}/members" id="add-member"><label for="name">Name</label><input id="name" name="name" maxlength="60" required><button type="submit">Add a teammate</button></form>`;
}

function apiSection(
  /** @type {string} */ base,
  /** @type {ReturnType<typeof planOf>} */ plan,
  /** @type {boolean} */ readOnly,
  /** @type {Billing} */ billing,
) {
  if (!plan.features.includes('api')) return `<p id="api-state">The ${escapeHtml(plan.name)} plan does not include the API; ${plansWith('api')} do.</p>`;
  return `<p id="api-state">Each call makes a report and is billed as one API call${readOnly ? '; calls are refused while the subscription is suspended' : ''}.</p>
<p id="api-calls">${billingWords(billing)}</p>
<p><button type="button" id="call-api" data-url="${base}/api/reports">Make a report</button></p><p id="api-result" role="status"></p>`;
}

/**
 * What became of the calls' usage, in words: the page script writes the same after each call.
 * @param {Billing} billing
 */
export function billingWords(billing) {
  if (billing.calls === 0) return 'No calls yet.';
  const waiting = billing.calls - billing.billed - billing.refused;
  const parts = [`${billing.billed} billed`];
  if (waiting > 0) parts.push(`${waiting} waiting for the publisher`);
  if (billing.refused > 0) parts.push(`${billing.refused} not billed: ${escapeHtml(billing.lastRefusal ?? 'refused')}`);
  return `${billing.calls === 1 ? 'One call' : `${billing.calls} calls`} so far: ${parts.join('; ')}.`;
}
