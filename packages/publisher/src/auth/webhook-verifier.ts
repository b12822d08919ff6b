// Strict validation of the bearer JWT on Microsoft's webhooks: signature from the issuer's JWKS, RS256
// only, aud = our app, tid = our tenant, iss = the tenant's v1 or v2 issuer, the caller = the marketplace
// (appid or azp), expiry with a few seconds of skew. A token that passed is remembered until it expires:
// the marketplace reuses one token for many webhooks, and the signature check is most of a webhook's cost.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { PRODUCTION_AUTHORITY } from '@saas-fulfillment/client';
import { guidKey, MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';

export interface WebhookAuthConfig {
  /** Entra authority: production `https://login.microsoftonline.com`, or the emulator's origin. */
  authority: string;
  tenantId: string;
  /** Our app (client) id: the audience of the tokens. */
  clientId: string;
  clockToleranceSeconds?: number;
  /** The current time (tests move it); the system clock if not given. */
  now?: () => Date;
}

/** How many verified tokens are remembered; the oldest is forgotten first. */
const REMEMBERED_TOKENS = 256;

export class WebhookAuthError extends Error {
  override readonly name = 'WebhookAuthError';
}

export interface WebhookVerifier {
  /** Throws WebhookAuthError with the reason; resolves with the claims of a valid token. */
  verify(authorization: string | undefined): Promise<Record<string, unknown>>;
}

/** Issuers Entra uses for a tenant: v1 `https://sts.windows.net/{tid}/`, v2 `{authority}/{tid}/v2.0`. */
export function issuersFor(authority: string, tenantId: string): string[] {
  const base = authority.replace(/\/+$/, '');
  const v1 = base === PRODUCTION_AUTHORITY ? `https://sts.windows.net/${tenantId}/` : `${base}/${tenantId}/`;
  return [v1, `${base}/${tenantId}/v2.0`];
}

export function createWebhookVerifier(config: WebhookAuthConfig, keys?: JWTVerifyGetKey): WebhookVerifier {
  const base = config.authority.replace(/\/+$/, '');
  // Entra writes the tenant id in lower case, in the issuer and in tid; TENANT_ID may not be.
  const tenantId = guidKey(config.tenantId);
  const jwks = keys ?? createRemoteJWKSet(new URL(`${base}/${tenantId}/discovery/v2.0/keys`), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  const issuer = issuersFor(base, tenantId);
  const tolerance = config.clockToleranceSeconds ?? 5;
  const now = config.now ?? (() => new Date());
  /** Tokens that passed every check, by their exact text, with their claims (`exp` is required). */
  const verified = new Map<string, Record<string, unknown> & { exp: number }>();

  const check = async (token: string) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        audience: config.clientId,
        issuer,
        clockTolerance: tolerance,
        currentDate: now(),
        requiredClaims: ['exp', 'iat', 'tid'],
      }));
    } catch (error) {
      throw new WebhookAuthError(describe(error));
    }
    if (typeof payload.tid !== 'string' || guidKey(payload.tid) !== tenantId) throw new WebhookAuthError(`tid ${String(payload.tid)} is not our tenant`);
    const caller = payload.appid ?? payload.azp;
    if (caller !== MARKETPLACE_RESOURCE_ID) throw new WebhookAuthError(`caller ${String(caller)} is not the marketplace`);
    return payload as Record<string, unknown> & { exp: number };
  };

  return {
    async verify(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      if (!token) throw new WebhookAuthError('missing bearer token');
      const known = verified.get(token);
      // Only time changes what a verified token means; past its expiry it is checked (and refused) anew.
      if (known && now().getTime() / 1000 <= known.exp + tolerance) return known;
      verified.delete(token);
      const claims = await check(token);
      if (verified.size >= REMEMBERED_TOKENS) verified.delete(verified.keys().next().value as string);
      verified.set(token, Object.freeze(claims));
      return claims;
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} invalid: ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no matching signing key';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed token';
  return error instanceof Error ? error.message : 'invalid token';
}
