// Strict validation of the bearer JWT on Microsoft's webhooks: signature from the issuer's JWKS, RS256
// only, aud = our app, tid = our tenant, iss = the tenant's v1 or v2 issuer, the caller = the marketplace
// (appid or azp), expiry with a few seconds of skew.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { PRODUCTION_AUTHORITY } from '@saas-fulfillment/client';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';

export interface WebhookAuthConfig {
  /** Entra authority: production `https://login.microsoftonline.com`, or the emulator's origin. */
  authority: string;
  tenantId: string;
  /** Our app (client) id: the audience of the tokens. */
  clientId: string;
  clockToleranceSeconds?: number;
}

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
  const jwks = keys ?? createRemoteJWKSet(new URL(`${base}/${config.tenantId}/discovery/v2.0/keys`), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  const issuer = issuersFor(base, config.tenantId);
  return {
    async verify(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      if (!token) throw new WebhookAuthError('missing bearer token');
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          algorithms: ['RS256'],
          audience: config.clientId,
          issuer,
          clockTolerance: config.clockToleranceSeconds ?? 5,
          requiredClaims: ['exp', 'iat', 'tid'],
        }));
      } catch (error) {
        throw new WebhookAuthError(describe(error));
      }
      if (payload.tid !== config.tenantId) throw new WebhookAuthError(`tid ${String(payload.tid)} is not our tenant`);
      const caller = payload.appid ?? payload.azp;
      if (caller !== MARKETPLACE_RESOURCE_ID) throw new WebhookAuthError(`caller ${String(caller)} is not the marketplace`);
      return payload;
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
