// User sign-in as Entra does it for a publisher's web app (OpenID Connect, authorization code with PKCE):
// a sign-in page where a tester types who they are, short-lived one-time codes, and the ID token that the
// code is redeemed for. Enough for a landing page or console to test its "Sign in with Microsoft".
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '@saas-fulfillment/contract';
import type { PublisherConfig } from '../catalog.js';
import type { PendingSigningKey } from './keys.js';
import { issuerFor } from './tokens.js';
import { EntraErrors } from '../errors.js';

export interface AuthorizationRequest {
  tenantId: string;
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  scope: string;
}

export interface SignedInUser {
  email: string;
  name: string;
}

interface PendingCode extends AuthorizationRequest {
  user: SignedInUser;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 5 * 60_000;

export class SignInService {
  /** Codes live in memory for minutes, as Entra's do; a restart simply means signing in again. */
  private readonly codes = new Map<string, PendingCode>();

  constructor(
    private readonly key: PendingSigningKey,
    private readonly clock: Clock,
    private readonly origin: () => string,
  ) {}

  /**
   * Checks an authorization request before the sign-in page is shown, as Entra does: the tenant exists,
   * the app may sign its users in (its own tenant, or a customer's: directory.ts), and the code goes only
   * to a redirect URI registered for the app (else a link to the sign-in page could hand a user's code to
   * anyone).
   */
  check(
    request: AuthorizationRequest,
    publisher: PublisherConfig | undefined,
    registry: { tenantKnown: boolean; appAdmitted: boolean; redirectUris: readonly string[] },
  ): void {
    if (!registry.tenantKnown) throw EntraErrors.signInTenantNotFound(request.tenantId);
    if (!publisher || !registry.appAdmitted) throw EntraErrors.appNotFound(request.clientId, request.tenantId);
    if (!registry.redirectUris.includes(request.redirectUri))
      throw EntraErrors.redirectNotRegistered(request.redirectUri, publisher.clientId, registry.redirectUris);
    if (!request.scope.split(/\s+/).includes('openid')) throw EntraErrors.scopeWithoutOpenId();
  }

  /** The user confirmed who they are: a one-time code for the app's redirect URI. */
  issueCode(request: AuthorizationRequest, user: SignedInUser): string {
    const now = this.clock.now().getTime();
    for (const [code, pending] of this.codes) if (pending.expiresAt < now) this.codes.delete(code);
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { ...request, user, expiresAt: now + CODE_LIFETIME_MS });
    return code;
  }

  /** Redeems a code (once) for an ID token and an access token for the app itself. */
  async redeem(form: Record<string, string | undefined>, publisher: PublisherConfig): Promise<Record<string, unknown>> {
    const pending = form.code ? this.codes.get(form.code) : undefined;
    if (form.code) this.codes.delete(form.code);
    if (!pending || pending.expiresAt < this.clock.now().getTime()) throw EntraErrors.codeUnknown();
    if (pending.clientId !== publisher.clientId) throw EntraErrors.codeOfAnotherApp();
    if (form.redirect_uri !== pending.redirectUri) throw EntraErrors.redirectMismatch();
    if (pending.codeChallenge) {
      const verifier = form.code_verifier ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (challenge !== pending.codeChallenge) throw EntraErrors.pkceMismatch();
    }
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const oid = stableId(`${pending.tenantId}/${pending.user.email}`);
    const { kid, privateKey } = await this.key;
    const idToken = await new SignJWT({
      tid: pending.tenantId,
      oid,
      email: pending.user.email,
      preferred_username: pending.user.email,
      name: pending.user.name,
      ver: '2.0',
      ...(pending.nonce ? { nonce: pending.nonce } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(issuerFor(this.origin(), pending.tenantId, 'v2'))
      .setAudience(publisher.clientId)
      .setSubject(stableId(`${publisher.clientId}/${oid}`))
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(privateKey);
    return { token_type: 'Bearer', scope: pending.scope, expires_in: 3599, ext_expires_in: 3599, access_token: randomUUID(), id_token: idToken };
  }
}

/** A GUID derived from a string: the same user gets the same object id every time. */
function stableId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
