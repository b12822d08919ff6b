// The Entra stand-in's pages: the sign-in form (type any e-mail) and a refused request.
import { html, idCode, page, textWithIds, type SafeHtml } from '@saas-fulfillment/web';
import type { KnownAccount } from '../../identity/directory.js';
import type { AuthorizationRequest } from '../../identity/sign-in.js';

export const entraPage = (body: SafeHtml) => page({ title: 'Sign in', app: 'Microsoft Entra ID (emulated)', nav: [], narrow: true }, body);

export const signInRefused = (title: string, error: { aadsts: number; message: string }) =>
  html`<h1>${title}</h1><section><p>AADSTS${error.aadsts}: ${textWithIds(error.message)}</p></section>`;

/**
 * The sign-in form; it posts the authorization request back with the user's e-mail and name. The people
 * the marketplace knows in the tenant (who bought there) are offered first, one button each, as Entra
 * offers the accounts a browser has signed in with.
 */
export function signInForm(auth: AuthorizationRequest, query: Record<string, string | undefined>, accounts: readonly KnownAccount[] = []): SafeHtml {
  const hidden = Object.entries(query)
    .filter(([name]) => name !== 'login_email' && name !== 'login_name')
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value ?? ''}">`);
  const known = accounts.length
    ? html`<p>Pick an account:</p>${accounts.map(
        (account) =>
          html`<form method="post" class="account">${hidden}<input type="hidden" name="login_email" value="${account.email}"><input type="hidden" name="login_name" value="${account.email.split('@')[0] ?? account.email}"><button type="submit" class="secondary account-choice">${account.email}</button></form>`,
      )}<p class="muted">or another account:</p>`
    : '';
  return html`<h1>Sign in</h1><section><p>to the application ${idCode(auth.clientId)} of tenant ${idCode(auth.tenantId)}</p>${known}
<form method="post" id="sign-in">${hidden}<label for="email">E-mail</label><input id="email" class="wide" name="login_email" type="email" required value="${query.login_hint ?? accounts[0]?.email ?? 'admin@customer.example.com'}">
<label for="name">Name</label><input id="name" class="wide" name="login_name" value="Test User"><p><button type="submit">Sign in</button></p></form></section>`;
}
