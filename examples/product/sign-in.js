// @ts-check
// Who is using the product. Its users sign in with Microsoft Entra ID (OpenID Connect, the code flow with
// PKCE, through openid-client) at their own organization: the tenant the subscription was bought for. The
// ID token is validated strictly against that tenant's issuer, so the tenant it names is the one the user
// belongs to; the product then lets them into that tenant's subscription only. The flow's state and the
// signed-in user ride in signed cookies: nothing is stored on the server for someone who is not signed in.
import * as oidc from 'openid-client';

/**
 * The app registration the product signs its users in with (multi-tenant, as a SaaS offer's is).
 * @typedef {object} SignInSettings
 * @property {string} authority Entra's origin (`https://login.microsoftonline.com`), or the emulator's
 * @property {string} clientId
 * @property {string} clientSecret
 */

/**
 * Someone signed in: the tenant and the object id Entra names them by, for words their e-mail and name.
 * @typedef {{ tenantId: string; objectId: string; email: string; name: string }} ProductUser
 */

/** @typedef {{ state: string; nonce: string; verifier: string; tenantId: string; next: string; expires: number }} Flow */

const FLOW_COOKIE = 'product_sign_in';
const USER_COOKIE = 'product_user';
const FLOW_MS = 10 * 60_000;
const USER_MS = 8 * 60 * 60_000;
const TENANT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A sign-in that could not be completed: expired, forged, or refused by Entra. The user starts again. */
export class SignInError extends Error {
  /** @override */
  name = 'SignInError';
}

/**
 * @param {SignInSettings} settings
 * @param {() => string} redirectUri the product's own `/auth/callback`, as registered on the app
 */
export function createSignIn(settings, redirectUri) {
  /** @type {Map<string, Promise<oidc.Configuration>>} each tenant's issuer, discovered once */
  const issuers = new Map();
  const secure = () => redirectUri().startsWith('https://');

  /** @param {string} tenantId */
  const issuerOf = (tenantId) => {
    let found = issuers.get(tenantId);
    if (!found) {
      const issuer = new URL(`${settings.authority.replace(/\/+$/, '')}/${tenantId}/v2.0`);
      const insecure = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
      found = oidc.discovery(issuer, settings.clientId, settings.clientSecret, undefined, insecure);
      // A failure (Entra away) is not kept: the next sign-in discovers again.
      found.catch(() => issuers.delete(tenantId));
      issuers.set(tenantId, found);
    }
    return found;
  };

  return {
    /**
     * Sends the browser to sign in at the organization that holds the subscription; it comes back to `next`.
     * @param {import('fastify').FastifyReply} reply
     * @param {string} tenantId
     * @param {string} next a path of the product
     */
    async start(reply, tenantId, next) {
      if (!TENANT.test(tenantId)) throw new SignInError('the subscription names no organization to sign in to');
      const config = await issuerOf(tenantId.toLowerCase());
      /** @type {Flow} */
      const flow = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        tenantId: tenantId.toLowerCase(),
        next,
        expires: Date.now() + FLOW_MS,
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri(),
        scope: 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      const cookie = { signed: true, httpOnly: true, sameSite: /** @type {const} */ ('lax'), path: '/auth', maxAge: FLOW_MS / 1000, secure: secure() };
      reply.setCookie(FLOW_COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), cookie);
      return reply.redirect(url.toString(), 302);
    },

    /**
     * Completes the sign-in (state, nonce, PKCE and the ID token checked), keeps the user in a signed
     * cookie and answers where to go next.
     * @param {import('fastify').FastifyRequest} request
     * @param {import('fastify').FastifyReply} reply
     * @returns {Promise<{ user: ProductUser; next: string }>}
     */
    async finish(request, reply) {
      const flow = /** @type {Flow | undefined} */ (readSigned(request, FLOW_COOKIE));
      reply.clearCookie(FLOW_COOKIE, { path: '/auth' });
      if (!flow || flow.expires < Date.now()) throw new SignInError('this sign-in has expired or was started in another browser');
      let claims;
      try {
        const tokens = await oidc.authorizationCodeGrant(await issuerOf(flow.tenantId), new URL(request.url, redirectUri()), {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        request.log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'sign-in refused');
        throw new SignInError('Microsoft did not confirm who you are');
      }
      // The issuer is the tenant's own, so its tid is the tenant: checked all the same.
      if (!claims || String(claims.tid).toLowerCase() !== flow.tenantId || !claims.oid) throw new SignInError('the sign-in named another organization');
      const email = String(claims.email ?? claims.preferred_username ?? '');
      /** @type {ProductUser} */
      const user = { tenantId: flow.tenantId, objectId: String(claims.oid), email, name: String(claims.name ?? email) };
      const cookie = { signed: true, httpOnly: true, sameSite: /** @type {const} */ ('lax'), path: '/', maxAge: USER_MS / 1000, secure: secure() };
      reply.setCookie(USER_COOKIE, Buffer.from(JSON.stringify({ ...user, expires: Date.now() + USER_MS })).toString('base64url'), cookie);
      return { user, next: flow.next };
    },

    /**
     * The signed-in user, if the request carries one whose cookie is ours and current.
     * @param {import('fastify').FastifyRequest} request
     * @returns {ProductUser | undefined}
     */
    user(request) {
      const kept = /** @type {(ProductUser & { expires: number }) | undefined} */ (readSigned(request, USER_COOKIE));
      if (!kept || kept.expires < Date.now()) return undefined;
      return { tenantId: kept.tenantId, objectId: kept.objectId, email: kept.email, name: kept.name };
    },

    /** @param {import('fastify').FastifyReply} reply */
    signOut(reply) {
      reply.clearCookie(USER_COOKIE, { path: '/' });
    },
  };
}

/**
 * A signed cookie's JSON, or undefined when it is missing, not ours or not JSON.
 * @param {import('fastify').FastifyRequest} request
 * @param {string} name
 * @returns {unknown}
 */
function readSigned(request, name) {
  const raw = request.cookies[name];
  const unsigned = raw ? request.unsignCookie(raw) : undefined;
  if (!unsigned?.valid || !unsigned.value) return undefined;
  try {
    return JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
