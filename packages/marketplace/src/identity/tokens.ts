// Entra-shaped JWTs: app-only access tokens for the marketplace API (v1 and v2 endpoint flavours), their
// verification on every API call, and the bearer token Microsoft puts on each webhook it sends.
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Clock } from '@saas-fulfillment/contract';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import type { Catalog, PublisherConfig } from '../catalog.js';
import type { PendingSigningKey } from './keys.js';

export type TokenVersion = 'v1' | 'v2';

/** Object id of the marketplace's service principal: the `sub`/`oid` of the tokens it sends. */
const MARKETPLACE_SERVICE_PRINCIPAL = '5e6a2d36-7a0f-4b8e-9a51-3f2b1c6d8e90';

const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;
const CLOCK_SKEW_SECONDS = 5;
const VERIFIED_CACHE_LIMIT = 10_000;

/** Issuer of tokens for `tenantId`, as Entra writes it: v1 `https://sts.windows.net/{tid}/`, v2 `.../{tid}/v2.0`. */
export function issuerFor(origin: string, tenantId: string, version: TokenVersion): string {
  return version === 'v1' ? `${origin}/${tenantId}/` : `${origin}/${tenantId}/v2.0`;
}

export class AccessDenied extends Error {
  override readonly name = 'AccessDenied';
}

export class TokenService {
  /** Verified access tokens: a token is checked once, then looked up (the API's hot path). */
  private readonly verified = new Map<string, { publisher: PublisherConfig; expiresAt: number }>();

  constructor(
    private readonly key: PendingSigningKey,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly origin: () => string,
  ) {}

  /** An app-only access token for the marketplace API, as the Entra endpoint `version` issues it. */
  async issueAccessToken(publisher: PublisherConfig, version: TokenVersion): Promise<{ token: string; issuedAt: number; expiresAt: number }> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const expiresAt = issuedAt + ACCESS_TOKEN_LIFETIME_SECONDS;
    const appClaims = version === 'v1' ? { appid: publisher.clientId, appidacr: '1', ver: '1.0' } : { azp: publisher.clientId, azpacr: '1', ver: '2.0' };
    const { kid, privateKey } = await this.key;
    const token = await new SignJWT({ ...appClaims, tid: publisher.tenantId, oid: servicePrincipalOf(publisher), idtyp: 'app', uti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(issuerFor(this.origin(), publisher.tenantId, version))
      .setAudience(MARKETPLACE_RESOURCE_ID)
      .setSubject(servicePrincipalOf(publisher))
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(privateKey);
    return { token, issuedAt, expiresAt };
  }

  /**
   * The publisher a bearer token speaks for. Throws AccessDenied with the precise reason (expired,
   * forged, wrong audience, unknown app) so that a 403 tells the caller what to fix.
   */
  async authenticate(authorization: string | undefined): Promise<PublisherConfig> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new AccessDenied(`The Authorization header must carry a Bearer access token for resource ${MARKETPLACE_RESOURCE_ID}`);
    const now = this.clock.now().getTime();
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt + CLOCK_SKEW_SECONDS * 1000 > now) return cached.publisher;
    if (cached) this.verified.delete(token);
    const { publisher, expiresAt } = await this.verify(token);
    if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, { publisher, expiresAt });
    return publisher;
  }

  private async verify(token: string): Promise<{ publisher: PublisherConfig; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (await this.key).publicKey, {
        algorithms: ['RS256'],
        audience: MARKETPLACE_RESOURCE_ID,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ['exp', 'iat', 'tid', 'iss'],
      }));
    } catch (error) {
      throw new AccessDenied(describeJoseError(error));
    }
    const tenantId = String(payload.tid);
    const appId = String(payload.appid ?? payload.azp ?? '');
    const publisher = this.catalog.publisherByClientId(appId);
    if (!publisher) throw new AccessDenied(`The application ${appId || '(none)'} is not registered on any offer of this marketplace`);
    if (publisher.tenantId !== tenantId) throw new AccessDenied(`The application ${appId} belongs to tenant ${publisher.tenantId}, not ${tenantId}`);
    const issuers = [issuerFor(this.origin(), tenantId, 'v1'), issuerFor(this.origin(), tenantId, 'v2')];
    if (!issuers.includes(String(payload.iss))) throw new AccessDenied(`The token's issuer ${String(payload.iss)} is not this identity provider`);
    return { publisher, expiresAt: (payload.exp ?? 0) * 1000 };
  }

  /**
   * Checks a webhook's bearer token the way a publisher must (the built-in inbox does): signed by this
   * identity provider, RS256, aud = the publisher's app, its tenant's v2 issuer and tid, sent by the
   * marketplace's app, not expired. Returns why it is refused, or undefined when it is valid.
   */
  async refuseWebhookToken(publisher: PublisherConfig, authorization: string | undefined): Promise<string | undefined> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return 'no bearer token';
    try {
      const { payload } = await jwtVerify(token, (await this.key).publicKey, {
        algorithms: ['RS256'],
        audience: publisher.clientId,
        issuer: issuerFor(this.origin(), publisher.tenantId, 'v2'),
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ['exp', 'iat', 'tid'],
      });
      if (payload.tid !== publisher.tenantId) return `tid ${String(payload.tid)} is not the publisher's tenant`;
      if ((payload.appid ?? payload.azp) !== MARKETPLACE_RESOURCE_ID) return 'the caller is not the marketplace';
      return undefined;
    } catch (error) {
      if (error instanceof joseErrors.JWTClaimValidationFailed) return `The webhook token's ${error.claim} claim is invalid: ${error.reason}`;
      return describeJoseError(error).replace('access token', 'webhook token');
    }
  }

  /** The bearer token on a webhook to `publisher`: aud = its app, tid = its tenant, from the marketplace's app. */
  async signWebhookToken(publisher: PublisherConfig): Promise<string> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const { kid, privateKey } = await this.key;
    return new SignJWT({
      azp: MARKETPLACE_RESOURCE_ID,
      appid: MARKETPLACE_RESOURCE_ID,
      azpacr: '2',
      tid: publisher.tenantId,
      oid: MARKETPLACE_SERVICE_PRINCIPAL,
      idtyp: 'app',
      ver: '2.0',
      uti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(issuerFor(this.origin(), publisher.tenantId, 'v2'))
      .setAudience(publisher.clientId)
      .setSubject(MARKETPLACE_SERVICE_PRINCIPAL)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + ACCESS_TOKEN_LIFETIME_SECONDS)
      .sign(privateKey);
  }
}

/** A stable service-principal object id per publisher app, as Entra would have in the tenant. */
function servicePrincipalOf(publisher: PublisherConfig): string {
  const hex = Buffer.from(publisher.clientId.replace(/-/g, ''), 'hex');
  hex[0] = (hex[0] ?? 0) ^ 0xff;
  const h = hex.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired; request a new one';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return `The access token's audience is not the marketplace API (${MARKETPLACE_RESOURCE_ID})`;
    return `The access token's ${error.claim} claim is invalid: ${error.reason}`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The access token is not signed with RS256';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The access token signature is not valid';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'The access token is not a well-formed JWT';
  return 'The access token is not valid';
}
