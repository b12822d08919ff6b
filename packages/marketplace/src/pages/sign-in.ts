// The Entra stand-in's sign-in pages (OpenID Connect code flow): the sign-in form for an authorization
// request Entra would accept, then a redirect back to the app with a code. Refusals are pages in Entra's words.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type from 'typebox';
import { contentSecurityPolicy, type SafeHtml } from '@saas-fulfillment/web';
import type { Catalog, PublisherConfig } from '../catalog.js';
import type { PublisherEndpoints } from '../endpoints.js';
import { formOf, requireForm, type TokenForm } from '../identity/client-auth.js';
import { EntraError, EntraErrors } from '../errors.js';
import type { TenantDirectory } from '../identity/directory.js';
import type { AuthorizationRequest, SignInService } from '../identity/sign-in.js';
import { entraPage, signInForm, signInRefused } from './views/sign-in.js';

export interface SignInPageDeps {
  catalog: Catalog;
  signIn: SignInService;
  directory: TenantDirectory;
  /** Where each app's redirect URIs come from. */
  endpoints: PublisherEndpoints;
}

const TenantParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 100 }) });

// Queries and forms are read by formOf, not by a schema: a malformed request gets Entra's refusal page.
export async function signInPages(instance: FastifyInstance, deps: SignInPageDeps): Promise<void> {
  const { catalog } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const tenant = { schema: { params: TenantParams } };
  // User sign-in (OpenID Connect code flow): the sign-in page, then a redirect back with a code.
  const authorization = (tenantId: string, query: TokenForm): AuthorizationRequest => ({
    tenantId,
    clientId: query.client_id ?? '',
    redirectUri: query.redirect_uri ?? '',
    state: query.state,
    nonce: query.nonce,
    codeChallenge: query.code_challenge_method === 'S256' ? query.code_challenge : undefined,
    scope: query.scope ?? '',
  });
  const checkRequest = async (auth: AuthorizationRequest) => {
    const publisher = catalog.publisherByClientId(auth.clientId);
    deps.signIn.check(auth, publisher, {
      tenantKnown: await deps.directory.exists(auth.tenantId),
      appAdmitted: publisher !== undefined && (await deps.directory.admits(publisher, auth.tenantId)),
      redirectUris: publisher ? deps.endpoints.redirectUris(publisher) : [],
    });
    return publisher;
  };
  const signInPage = (reply: FastifyReply, status: number, body: SafeHtml) =>
    reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(entraPage(body));

  app.get('/:tenantId/oauth2/v2.0/authorize', tenant, async (request, reply) => {
    const { tenantId } = request.params;
    const query = formOf(request.query) ?? {};
    const auth = authorization(tenantId, query);
    let publisher: PublisherConfig | undefined;
    try {
      publisher = await checkRequest(auth);
      if (query.response_type !== 'code') throw EntraErrors.responseType();
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      return signInPage(reply, 400, signInRefused('Sign-in request refused', error));
    }
    // The form's answer redirects to the app's (registered) redirect URI: the policy lets the form lead there.
    reply.header('content-security-policy', contentSecurityPolicy([new URL(auth.redirectUri).origin]));
    const accounts = publisher ? await deps.directory.accounts(publisher, tenantId) : [];
    return signInPage(reply, 200, signInForm(auth, query, accounts));
  });

  app.post('/:tenantId/oauth2/v2.0/authorize', tenant, async (request, reply) => {
    const { tenantId } = request.params;
    let form: TokenForm;
    let auth: AuthorizationRequest;
    try {
      form = requireForm(request.body);
      auth = authorization(tenantId, form);
      await checkRequest(auth);
      if (!form.login_email || !/^[^@\s]+@[^@\s]+$/.test(form.login_email)) throw EntraErrors.email();
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      return signInPage(reply, 400, signInRefused('Sign-in refused', error));
    }
    const code = deps.signIn.issueCode(auth, { email: form.login_email, name: form.login_name || form.login_email });
    const target = new URL(auth.redirectUri);
    target.searchParams.set('code', code);
    if (auth.state !== undefined) target.searchParams.set('state', auth.state);
    return reply.redirect(target.toString(), 302);
  });
}
