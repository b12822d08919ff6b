// How an app proves itself at the token endpoint, as Entra checks it: a client secret; a client assertion
// signed with a certificate registered on the app (found by its thumbprint, `x5t` or `x5t#S256`); or a
// federated credential: a token from a trusted external issuer (a workload identity) whose issuer,
// subject and audience match one the app registered. Each refusal carries Entra's own AADSTS code.
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '@saas-fulfillment/contract';
import type { Catalog, PublisherConfig } from '../catalog.js';
import type { TenantDirectory } from './directory.js';
import type { PendingSigningKey } from './keys.js';
import { EntraErrors } from '../errors.js';

export type TokenForm = Record<string, string | undefined>;

/**
 * A form body's or a query's parameters as strings (the first of a repeated one); undefined when there is
 * none. Names are read in any case (`Client_id` is `client_id`), as Entra reads them (docs/emulator.md,
 * "Where Microsoft is lenient"); the first spelling given wins. Values are taken as sent.
 */
export function formOf(source: unknown): TokenForm | undefined {
  if (source === null || typeof source !== 'object') return undefined;
  const form: TokenForm = {};
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    const key = name.toLowerCase();
    if (!Object.hasOwn(form, key)) form[key] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return form;
}

/** A form body's parameters; Entra reads only form bodies, so anything else is refused as having no parameters. */
export function requireForm(body: unknown): TokenForm {
  const form = formOf(body);
  if (form) return form;
  throw EntraErrors.notAForm();
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The audience a federated (workload identity) token carries for Entra. */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** Assertion ids remembered at most (the oldest are forgotten first past it): each until its assertion expires. */
const ASSERTION_IDS_KEPT = 100_000;

export class ClientAuthenticator {
  private readonly remoteKeys = new Map<string, JWTVerifyGetKey>();
  /** The `jti` of each certificate assertion accepted, by app, with when it expires: a copy replayed while valid is refused. */
  private readonly usedAssertions = new Map<string, number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly ownKey: PendingSigningKey,
    /** The issuer of the simulator's workload-identity tokens (verified with the emulator's own key). */
    private readonly workloadIssuer: () => string,
    /** The token endpoint URLs an assertion's audience may name (v1 and v2.0, this origin). */
    private readonly tokenUrls: (tenantId: string) => string[],
    /** Which tenants' users an app signs in: a code is redeemed at the tenant the user signed in to. */
    private readonly directory: Pick<TenantDirectory, 'exists' | 'admits'>,
  ) {}

  /** The app the request authenticates as; throws an EntraError naming the problem. */
  async authenticate(tenantId: string, form: TokenForm, grant: 'client_credentials' | 'authorization_code'): Promise<PublisherConfig> {
    for (const name of ['grant_type', 'client_id'] as const) {
      if (!form[name]) throw EntraErrors.missingParameter(name);
    }
    if (form.grant_type !== grant) throw EntraErrors.unsupportedGrant(form.grant_type);
    // An app's own tokens come from its own tenant; a user's code is redeemed where the user signed in,
    // which for a multi-tenant app may be a customer's tenant.
    const ownTenantOnly = grant === 'client_credentials';
    const tenantKnown = ownTenantOnly ? this.catalog.publishers.some((p) => p.tenantId === tenantId) : await this.directory.exists(tenantId);
    if (!tenantKnown) throw EntraErrors.tenantNotFound(tenantId);
    const publisher = this.catalog.publisherByClientId(form.client_id ?? '');
    const admitted = publisher && (ownTenantOnly ? publisher.tenantId === tenantId : await this.directory.admits(publisher, tenantId));
    if (!publisher || !admitted) {
      throw EntraErrors.appNotFound(form.client_id, tenantId);
    }
    if (form.client_assertion !== undefined || form.client_assertion_type !== undefined) {
      await this.checkAssertion(publisher, tenantId, form);
      return publisher;
    }
    if (!form.client_secret) throw EntraErrors.noClientCredential();
    if (form.client_secret !== publisher.clientSecret) throw EntraErrors.wrongClientSecret(publisher.clientId);
    return publisher;
  }

  private async checkAssertion(publisher: PublisherConfig, tenantId: string, form: TokenForm): Promise<void> {
    if (form.client_assertion_type !== JWT_BEARER) {
      throw EntraErrors.assertionType(JWT_BEARER);
    }
    const assertion = form.client_assertion ?? '';
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw EntraErrors.assertionMalformed();
    }
    const thumbprint = (header['x5t#S256'] ?? header.x5t) as string | undefined;
    if (thumbprint !== undefined) await this.checkCertificateAssertion(publisher, tenantId, assertion, thumbprint, header['x5t#S256'] !== undefined);
    else await this.checkFederatedAssertion(publisher, assertion, claims);
  }

  private async checkCertificateAssertion(publisher: PublisherConfig, tenantId: string, assertion: string, thumbprint: string, sha256: boolean) {
    const certificate = (publisher.certificates ?? []).map((pem) => new X509Certificate(pem)).find((c) => thumbprintOf(c, sha256) === thumbprint);
    if (!certificate) {
      throw EntraErrors.certificateNotRegistered(thumbprint, publisher.clientId);
    }
    await this.verify(assertion, certificate.publicKey, { audience: this.tokenUrls(tenantId), issuer: publisher.clientId, subject: publisher.clientId });
    if (this.clock.now().getTime() > Date.parse(certificate.validTo)) {
      throw EntraErrors.certificateExpired(certificate.validTo);
    }
    this.spend(publisher.clientId, decodeJwt(assertion));
  }

  /**
   * An app signs a new assertion for each token request (Microsoft's docs require a unique `jti`): one
   * whose id was used before is a copy, refused while it would otherwise be valid. (A federated token is
   * the platform's, reused by design until it rotates: not checked.)
   */
  private spend(clientId: string, claims: ReturnType<typeof decodeJwt>): void {
    if (typeof claims.jti !== 'string' || claims.jti === '') throw EntraErrors.assertionWithoutId();
    const now = this.clock.now().getTime();
    // By its digest: an id is kept for the assertion's life, whatever its length.
    const key = `${clientId} ${createHash('sha256').update(claims.jti).digest('base64url')}`;
    const until = this.usedAssertions.get(key);
    if (until !== undefined && until > now) throw EntraErrors.assertionReplayed();
    for (const [old, expires] of this.usedAssertions) {
      if (expires > now && this.usedAssertions.size < ASSERTION_IDS_KEPT) break;
      this.usedAssertions.delete(old);
    }
    // Until it expires, with the five minutes of skew its check allows.
    this.usedAssertions.delete(key);
    this.usedAssertions.set(key, (claims.exp ?? 0) * 1000 + 300_000);
  }

  private async checkFederatedAssertion(publisher: PublisherConfig, assertion: string, claims: ReturnType<typeof decodeJwt>) {
    const issuer = String(claims.iss ?? '');
    const candidates = (publisher.federatedCredentials ?? []).filter((f) => f.issuer === issuer);
    if (candidates.length === 0) {
      throw EntraErrors.noFederatedMatch('issuer', issuer);
    }
    const bySubject = candidates.filter((f) => f.subject === claims.sub);
    if (bySubject.length === 0) {
      throw EntraErrors.noFederatedMatch('subject', String(claims.sub ?? ''));
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!bySubject.some((f) => (f.audiences ?? [TOKEN_EXCHANGE_AUDIENCE]).some((a) => audiences.includes(a)))) {
      throw EntraErrors.noFederatedMatch('audience', audiences.join(', '));
    }
    const keys = issuer === this.workloadIssuer() ? (await this.ownKey).publicKey : this.remoteKeysOf(issuer);
    await this.verify(assertion, keys, { issuer });
  }

  /** An issuer's keys, found through its OpenID metadata when first needed; a failure is remembered for a while. */
  private remoteKeysOf(issuer: string): JWTVerifyGetKey {
    let keys = this.remoteKeys.get(issuer);
    if (!keys) {
      let resolved: Promise<JWTVerifyGetKey> | undefined;
      let failedAt: number | undefined;
      keys = async (header, token) => {
        if (failedAt !== undefined && Date.now() - failedAt > METADATA_FAILURE_MS) [resolved, failedAt] = [undefined, undefined];
        resolved ??= issuerKeys(issuer).catch((error: unknown) => {
          failedAt = Date.now();
          throw error;
        });
        return (await resolved)(header, token);
      };
      this.remoteKeys.set(issuer, keys);
    }
    return keys;
  }

  private async verify(assertion: string, key: CryptoKey | KeyObject | JWTVerifyGetKey, expected: { audience?: string[]; issuer: string; subject?: string }) {
    try {
      await jwtVerify(assertion, key as Parameters<typeof jwtVerify>[1], {
        ...expected,
        algorithms: ['RS256', 'PS256', 'ES256'],
        // Entra requires an expiry and, as its docs say, sets no limit on it.
        requiredClaims: ['exp'],
        currentDate: this.clock.now(),
        clockTolerance: 300,
      });
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw EntraErrors.assertionExpired();
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp') throw EntraErrors.assertionWithoutExpiry();
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') throw EntraErrors.assertionExpired();
      if (error instanceof errors.JWTClaimValidationFailed) {
        if (error.claim === 'aud') throw EntraErrors.assertionAudience(expected.audience?.[0] ?? '');
        throw EntraErrors.assertionClaim(error.claim, expected.issuer);
      }
      // Only words of ours and jose's: nothing a remote issuer sent is echoed.
      throw EntraErrors.assertionSignature(
        error instanceof FederatedIssuerError || error instanceof errors.JOSEError ? error.message : 'the signing key could not be found',
      );
    }
  }
}

/** How long a federated issuer may take to answer, and how long its failure to is remembered. */
const METADATA_TIMEOUT_MS = 5_000;
const METADATA_FAILURE_MS = 30_000;

/** A federated issuer whose metadata could not be used, in words of ours (never its own text). */
class FederatedIssuerError extends Error {}

/**
 * The keys of a federated issuer, as Entra finds them: its OpenID metadata, whose `issuer` must be the
 * registered issuer and whose `jwks_uri` must be on the issuer's own origin (the emulator fetches no URL
 * a token names elsewhere), within a timeout.
 */
async function issuerKeys(issuer: string): Promise<JWTVerifyGetKey> {
  const where = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let metadata: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(where, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS), redirect: 'error' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    metadata = (await response.json()) as typeof metadata;
  } catch {
    throw new FederatedIssuerError(`the issuer's OpenID metadata could not be read from ${where}`);
  }
  if (metadata.issuer !== issuer) throw new FederatedIssuerError("the issuer's OpenID metadata names another issuer");
  let jwks: URL | undefined;
  try {
    jwks = new URL(String(metadata.jwks_uri));
  } catch {
    jwks = undefined;
  }
  if (jwks?.origin !== new URL(issuer).origin) throw new FederatedIssuerError("the issuer's jwks_uri is not on the issuer's own origin");
  return createRemoteJWKSet(jwks, { timeoutDuration: METADATA_TIMEOUT_MS });
}

/** A certificate's thumbprint as Entra matches it: base64url of its SHA-1 (`x5t`) or SHA-256 (`x5t#S256`) digest. */
function thumbprintOf(certificate: X509Certificate, sha256: boolean): string {
  return createHash(sha256 ? 'sha256' : 'sha1')
    .update(certificate.raw)
    .digest('base64url');
}
