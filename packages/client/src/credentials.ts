// Access tokens for the marketplace APIs: Entra ID client credentials (v2.0 endpoint, or v1 on request),
// cached and refreshed before they expire with one request in flight; or a fixed token. The app proves
// itself with a secret here, or with a certificate or a federated token (assertions.ts).
import { systemClock, type Clock } from '@saas-fulfillment/contract';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { AuthenticationError } from './errors.js';

export interface TokenCredential {
  /** A bearer token for the marketplace API; `forceRefresh` after the API refused the cached one. */
  getToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
}

/** A token you already have (from your own identity library, or a test). */
export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<string> {
    return this.token;
  }
}

/** What a credential is and how it fares, for a health view: never the secret itself. */
export interface CredentialHealth {
  kind: 'client-secret' | 'certificate' | 'federated';
  clientId: string;
  tenantId: string;
  lastTokenAt?: string;
  tokenExpiresAt?: string;
  /** The last token request's failure, until one succeeds again. */
  lastError?: string;
  /** Certificates only: when it stops working, and which one it is. */
  certificateExpiresAt?: string;
  certificateThumbprint?: string;
}

export interface EntraCredentialOptions {
  tenantId: string;
  clientId: string;
  /** `https://login.microsoftonline.com` in production; the emulator's origin in development. */
  authorityHost?: string;
  /** Entra endpoint: `v2` (scope `…/.default`, the default) or `v1` (resource), as the spec documents. */
  endpoint?: 'v2' | 'v1';
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  fetch?: typeof fetch;
  clock?: Clock;
}

export interface ClientSecretCredentialOptions extends EntraCredentialOptions {
  clientSecret: string;
}

export const PRODUCTION_AUTHORITY = 'https://login.microsoftonline.com';

/**
 * Client-credentials tokens from Entra ID for resource `20e940b3-4c77-4b0b-9a53-9e16a1b010a7`, cached and
 * refreshed before they expire, one request in flight. Subclasses say how the app proves itself.
 */
export abstract class EntraCredential implements TokenCredential {
  private cached: { token: string; refreshAt: number; expiresAt: number } | undefined;
  private inFlight: Promise<string> | undefined;
  private lastError: string | undefined;
  private lastTokenAt: string | undefined;
  private readonly fetch: typeof fetch;
  protected readonly clock: Clock;

  protected constructor(
    private readonly options: EntraCredentialOptions,
    readonly kind: CredentialHealth['kind'],
  ) {
    for (const field of ['tenantId', 'clientId'] as const) {
      if (!options[field]) throw new TypeError(`${this.constructor.name}: ${field} is required`);
    }
    this.fetch = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
  }

  /** The form fields that authenticate the app at `tokenUrl` (a secret, or a signed assertion). */
  protected abstract clientAuthentication(tokenUrl: string): Promise<Record<string, string>>;

  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    const now = this.clock.now().getTime();
    if (!options.forceRefresh && this.cached && now < this.cached.refreshAt) return this.cached.token;
    // Concurrent callers share one token request.
    this.inFlight ??= this.requestToken(options.signal).finally(() => {
      this.inFlight = undefined;
    });
    try {
      return await this.inFlight;
    } catch (error) {
      // A token still valid (inside the refresh margin) is better than none while Entra is unreachable.
      if (!(error instanceof AuthenticationError) && !options.forceRefresh && this.cached && now < this.cached.expiresAt) return this.cached.token;
      throw error;
    }
  }

  health(): CredentialHealth {
    const { clientId, tenantId } = this.options;
    const at = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      kind: this.kind,
      clientId,
      tenantId,
      ...(this.cached ? { lastTokenAt: this.lastTokenAt, tokenExpiresAt: at(this.cached.expiresAt) } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async requestToken(signal: AbortSignal | undefined): Promise<string> {
    try {
      const token = await this.fetchToken(signal);
      this.lastError = undefined;
      return token;
    } catch (error) {
      this.lastError = (error as Error).message;
      throw error;
    }
  }

  private async fetchToken(signal: AbortSignal | undefined): Promise<string> {
    const { tenantId, clientId } = this.options;
    const v1 = this.options.endpoint === 'v1';
    const authority = (this.options.authorityHost ?? PRODUCTION_AUTHORITY).replace(/\/+$/, '');
    const url = `${authority}/${encodeURIComponent(tenantId)}/oauth2/${v1 ? '' : 'v2.0/'}token`;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, ...(await this.clientAuthentication(url)) });
    if (v1) form.set('resource', MARKETPLACE_RESOURCE_ID);
    else form.set('scope', `${MARKETPLACE_RESOURCE_ID}/.default`);

    const requestedAt = this.clock.now().getTime();
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: signal ?? AbortSignal.timeout(30_000),
      });
    } catch (cause) {
      throw new AuthenticationError(
        `Could not reach the token endpoint ${url}: ${(cause as Error).message}`,
        0,
        'network_error',
        undefined,
        'Check authorityHost and the network.',
        { cause },
      );
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== 'string') throw tokenError(response.status, body, clientId, tenantId);
    const lifetimeMs = Number(body.expires_in ?? 3599) * 1000;
    const margin = Math.min(this.options.refreshMarginMs ?? 5 * 60_000, lifetimeMs / 2);
    this.cached = { token: body.access_token, expiresAt: requestedAt + lifetimeMs, refreshAt: requestedAt + lifetimeMs - margin };
    this.lastTokenAt = new Date(requestedAt).toISOString();
    return body.access_token;
  }
}

/**
 * A client secret. It expires (Entra: at most two years), silently for whoever forgot it: prefer a
 * certificate or a federated credential in production.
 *
 * @example
 * const credential = new ClientSecretCredential({ tenantId, clientId, clientSecret: process.env.CLIENT_SECRET! });
 */
export class ClientSecretCredential extends EntraCredential {
  constructor(private readonly secretOptions: ClientSecretCredentialOptions) {
    if (!secretOptions.clientSecret) throw new TypeError('ClientSecretCredential: clientSecret is required');
    super(secretOptions, 'client-secret');
  }

  protected async clientAuthentication(): Promise<Record<string, string>> {
    return { client_secret: this.secretOptions.clientSecret };
  }
}

const HINTS: Record<number, string> = {
  7000215: 'The client secret is wrong: use the secret VALUE, not its ID, from the app registration.',
  7000222: 'The client secret has expired: create a new one in the app registration and update the configuration.',
  7000218: 'No client secret was sent.',
  700016: 'The client id is not an app in this tenant: check tenantId and clientId (the app registered on the offer in Partner Center).',
  90002: 'The tenant does not exist: check tenantId.',
  500011: 'The marketplace API resource is not known to the tenant: the app needs a service principal there.',
  1002012: 'The scope must be 20e940b3-4c77-4b0b-9a53-9e16a1b010a7/.default.',
  700027: "The certificate is not registered on the app, or does not match its key: upload the certificate's public part to the app registration.",
  700024: "The client assertion is expired or not yet valid: check this machine's clock.",
  700023: 'The client assertion was made for another token endpoint: check authorityHost and tenantId.',
  700211: "No federated credential on the app trusts this token's issuer: add one (issuer, subject) to the app registration.",
  700212: "No federated credential on the app accepts this token's audience (api://AzureADTokenExchange).",
  700213: "No federated credential on the app matches this token's subject: check the subject in the app registration.",
  50027: 'The client assertion is not a valid signed JWT.',
};

function tokenError(status: number, body: Record<string, unknown>, clientId: string, tenantId: string): AuthenticationError {
  const description = typeof body.error_description === 'string' ? body.error_description : `HTTP ${status}`;
  const aadsts = Number(/AADSTS(\d+)/.exec(description)?.[1] ?? (Array.isArray(body.error_codes) ? body.error_codes[0] : NaN));
  const code = Number.isFinite(aadsts) ? aadsts : undefined;
  const hint = code !== undefined ? HINTS[code] : undefined;
  const error = typeof body.error === 'string' ? body.error : 'token_request_failed';
  return new AuthenticationError(
    `Entra ID refused a token for app ${clientId} in tenant ${tenantId}: ${description.split('\n')[0]}${hint ? ` ${hint}` : ''}`,
    status,
    error,
    code,
    hint,
  );
}
