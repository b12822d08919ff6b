// The Entra ID stand-in's API: token endpoints (v1 and v2.0: client credentials, and the code of a user
// sign-in), the JWKS, OpenID metadata, and the workload identity provider's. Errors follow Entra's shape
// (`error`, `error_description` with an AADSTS code) so clients learn the cause. The sign-in pages are
// in pages/sign-in.ts.
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { MARKETPLACE_RESOURCE_ID, type Clock } from '@saas-fulfillment/contract';
import type { Catalog } from '../catalog.js';
import type { PendingSigningKey } from '../identity/keys.js';
import type { TenantDirectory } from '../identity/directory.js';
import type { SignInService } from '../identity/sign-in.js';
import { issuerFor, type TokenService, type TokenVersion } from '../identity/tokens.js';
import { ClientAuthenticator, requireForm, type TokenForm } from '../identity/client-auth.js';
import { EntraError, EntraErrors } from '../errors.js';
import type { Chaos } from '../simulator/chaos.js';

export interface IdentityRouteDeps {
  catalog: Catalog;
  tokens: TokenService;
  signIn: SignInService;
  directory: TenantDirectory;
  key: PendingSigningKey;
  /** Time as Entra states it in tokens and error bodies. */
  clock: Clock;
  publicUrl: () => string;
  /** Token outages on a schedule (simulator chaos). */
  chaos?: Chaos;
}

const TenantParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 100 }) });
const tenant = { schema: { params: TenantParams } };
type IssuedToken = Awaited<ReturnType<TokenService['issueAccessToken']>>;

// Bodies are read by `requireForm`, not by a schema: Entra answers a malformed request with its own error
// shape (`error`, `error_description` with an AADSTS code), which clients expect to parse.
export async function identityRoutes(instance: FastifyInstance, deps: IdentityRouteDeps): Promise<void> {
  const { catalog, tokens, key } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const clients = new ClientAuthenticator(
    catalog,
    deps.clock,
    key,
    () => workloadIssuer(deps.publicUrl()),
    (tenantId) => {
      const origin = deps.publicUrl();
      return [`${origin}/${tenantId}/oauth2/v2.0/token`, `${origin}/${tenantId}/oauth2/token`];
    },
    deps.directory,
  );

  const tokenEndpoint = (version: TokenVersion) => async (request: FastifyRequest<{ Params: { tenantId: string } }>, reply: FastifyReply) => {
    const { tenantId } = request.params;
    try {
      if (deps.chaos?.tokenOutage()) throw EntraErrors.outage();
      // Entra reads only form bodies: a JSON body is as good as no body.
      const isForm = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false;
      const form = requireForm(isForm ? request.body : undefined);
      if (version === 'v2' && form.grant_type === 'authorization_code') {
        const publisher = await clients.authenticate(tenantId, form, 'authorization_code');
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        return await deps.signIn.redeem(form, publisher);
      }
      const publisher = await clients.authenticate(tenantId, form, 'client_credentials');
      checkAudience(form, version);
      const issued = await tokens.issueAccessToken(publisher, version);
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return accessTokenAnswer(issued, version);
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      return reply.status(error.status).header('cache-control', 'no-store').send(entraRefusal(error, deps.clock.now()));
    }
  };

  app.post('/:tenantId/oauth2/token', tenant, tokenEndpoint('v1'));
  app.post('/:tenantId/oauth2/v2.0/token', tenant, tokenEndpoint('v2'));

  metadataRoutes(instance, key, deps.publicUrl);
}

/** The JWKS and the OpenID metadata of the tenants' issuers and of the workload identity provider. */
function metadataRoutes(instance: FastifyInstance, key: PendingSigningKey, publicUrl: () => string): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const jwks = async () => {
    const { publicJwk, kid } = await key;
    return { keys: [{ ...publicJwk, kty: 'RSA', use: 'sig', alg: 'RS256', kid }] };
  };
  app.get('/:tenantId/discovery/v2.0/keys', tenant, jwks);
  app.get('/:tenantId/discovery/keys', tenant, jwks);

  // The simulator as an external identity provider (a workload identity: a Kubernetes service account,
  // a CI job): its tokens, exchanged for marketplace tokens through an app's federated credential.
  app.get('/workload-identity/.well-known/openid-configuration', async () => {
    const issuer = workloadIssuer(publicUrl());
    return {
      issuer,
      jwks_uri: `${issuer}/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
      response_types_supported: ['id_token'],
    };
  });
  app.get('/workload-identity/keys', jwks);

  app.get('/:tenantId/v2.0/.well-known/openid-configuration', tenant, async (request) => {
    const { tenantId } = request.params;
    const origin = publicUrl();
    return {
      issuer: issuerFor(origin, tenantId, 'v2'),
      token_endpoint: `${origin}/${tenantId}/oauth2/v2.0/token`,
      jwks_uri: `${origin}/${tenantId}/discovery/v2.0/keys`,
      authorization_endpoint: `${origin}/${tenantId}/oauth2/v2.0/authorize`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      grant_types_supported: ['client_credentials', 'authorization_code'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'azp', 'appid', 'oid', 'ver', 'email', 'name', 'preferred_username', 'nonce'],
      tenant_region_scope: 'NA',
    };
  });
}

/** An access token as each endpoint answers it: the v1 endpoint sends its numbers as strings. */
function accessTokenAnswer(issued: IssuedToken, version: TokenVersion) {
  const lifetime = issued.expiresAt - issued.issuedAt;
  if (version === 'v2') return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: issued.token };
  return {
    token_type: 'Bearer',
    expires_in: String(lifetime),
    ext_expires_in: String(lifetime),
    expires_on: String(issued.expiresAt),
    not_before: String(issued.issuedAt),
    resource: MARKETPLACE_RESOURCE_ID,
    access_token: issued.token,
  };
}

/** A refusal in Entra's shape, with its AADSTS code, so clients can tell the cause. */
function entraRefusal(error: EntraError, now: Date) {
  return {
    error: error.error,
    error_description: `AADSTS${error.aadsts}: ${error.message}`,
    error_codes: [error.aadsts],
    timestamp: now
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z'),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  };
}

function checkAudience(form: TokenForm, version: TokenVersion): void {
  if (version === 'v1') {
    if (!form.resource) throw EntraErrors.missingParameter('resource');
    if (form.resource !== MARKETPLACE_RESOURCE_ID) throw EntraErrors.resourceNotFound(form.resource, MARKETPLACE_RESOURCE_ID);
    return;
  }
  if (!form.scope) throw EntraErrors.missingParameter('scope');
  if (form.scope !== `${MARKETPLACE_RESOURCE_ID}/.default`) throw EntraErrors.invalidScope(form.scope, MARKETPLACE_RESOURCE_ID);
}

/** The issuer of the simulator's workload-identity tokens. */
export function workloadIssuer(origin: string): string {
  return `${origin}/workload-identity`;
}
