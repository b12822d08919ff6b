// "Sign in with Microsoft" (Entra ID OpenID Connect, authorization code + PKCE) through openid-client:
// for the landing page, and for the admin console where listed users may sign in instead of a password.
// The flow's state, nonce and PKCE verifier ride in a signed, short-lived cookie; the signed-in user is
// kept in the server-side session (auth/sessions.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import * as oidc from 'openid-client';
import type { Clock } from '@saas-fulfillment/contract';
import { PublisherErrors as E } from '../errors.js';

export interface OidcSettings {
  /** A tenant-specific issuer: `https://login.microsoftonline.com/{tenant}/v2.0`, or the emulator's. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface SignedInUser {
  email: string;
  name: string;
  tenantId: string | undefined;
  objectId: string | undefined;
}

const FLOW_COOKIE = 'oidc_flow';
const FLOW_MS = 10 * 60_000;

export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly settings: OidcSettings,
    private readonly clock: Clock,
    /** The service's public origin: the redirect URI registered with Entra is made from it, never from the Host header. */
    private readonly publicUrl: () => string,
  ) {}

  private callbackUrl(): string {
    return `${this.publicUrl()}/auth/callback`;
  }

  /** Discovery happens on first use, so the service starts even while the identity provider is away. */
  private config(): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        this.settings.clientSecret,
        undefined,
        this.settings.issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    return this.configuration;
  }

  /** Redirects the browser to sign in; `next` is where it returns, `purpose` what the sign-in is for. */
  async start(reply: FastifyReply, next: string, purpose: 'user' | 'admin'): Promise<FastifyReply> {
    const config = await this.config();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl(),
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const flow = { state, nonce, verifier, next, purpose, expires: this.clock.now().getTime() + FLOW_MS };
    reply.setCookie(FLOW_COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/auth',
      maxAge: FLOW_MS / 1000,
      secure: this.publicUrl().startsWith('https://'),
    });
    return reply.redirect(url.toString(), 302);
  }

  /** Completes the sign-in: checks state, nonce and PKCE, validates the ID token, returns who it is. */
  async finish(request: FastifyRequest, reply: FastifyReply): Promise<{ user: SignedInUser; next: string; purpose: 'user' | 'admin' }> {
    const raw = request.cookies[FLOW_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    reply.clearCookie(FLOW_COOKIE, { path: '/auth' });
    if (!unsigned?.valid || !unsigned.value) throw E.signInExpired(true);
    const flow = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as {
      state: string;
      nonce: string;
      verifier: string;
      next: string;
      purpose: 'user' | 'admin';
      expires: number;
    };
    if (flow.expires < this.clock.now().getTime()) throw E.signInExpired(false);
    const config = await this.config();
    const current = new URL(request.url, this.callbackUrl());
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      request.log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'sign-in refused');
      throw E.signInFailed('not confirmed');
    }
    const claims = tokens.claims();
    if (!claims) throw E.signInFailed('no ID token');
    const email = String(claims.email ?? claims.preferred_username ?? '');
    return {
      user: {
        email,
        name: String(claims.name ?? email),
        tenantId: claims.tid === undefined ? undefined : String(claims.tid),
        objectId: claims.oid === undefined ? undefined : String(claims.oid),
      },
      next: flow.next,
      purpose: flow.purpose,
    };
  }
}
