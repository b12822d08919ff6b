// The publisher's settings (the publisher command, and the publisher half of dev): its schema of flags and
// variables, then what is worked out from them (production endpoints or an emulator's, credentials,
// secrets, branding, sign-in), each refused with the flag or variable named.
import path from 'node:path';
import { PRODUCTION_API, PRODUCTION_AUTHORITY } from '@saas-fulfillment/client';
import { fixedDurationMs, parseDuration } from '@saas-fulfillment/contract';
import type { Branding } from '@saas-fulfillment/publisher';
import { brandingFrom } from './branding.js';
import { appIdentity, credentialFrom, eventsFrom, provisioningFrom, secretFrom, tenantApiKeys, type Credential } from './credentials.js';
import type { DevSecrets } from './dev-secrets.js';
import { DEFAULTS, SERVER_SETTINGS } from './server.js';
import { boolean, ConfigError, key, port, readSettings, text, url, type Env, type Flags, type Setting } from './read.js';

/** An ISO 8601 duration without months or years, within bounds; `rule` says what is allowed. */
const duration = (env: string, fallback: string, minMs: number, maxMs: number, rule: string): Setting<number> => ({
  env,
  read(value, name) {
    const parsed = parseDuration(value);
    const ms = parsed && fixedDurationMs(parsed);
    if (ms === undefined || ms < minMs || ms > maxMs) throw new ConfigError(`${name} must be ${rule}`);
    return ms;
  },
  fallback: fixedMs(fallback),
});

/** A duration written in this file, in milliseconds. */
function fixedMs(written: string): number {
  const parsed = parseDuration(written);
  const ms = parsed && fixedDurationMs(parsed);
  if (ms === undefined) throw new Error(`not a fixed duration: ${written}`);
  return ms;
}

const PUBLISHER_SETTINGS = {
  ...SERVER_SETTINGS,
  port: { flag: 'port', ...port(DEFAULTS.publisherPort) },
  marketplaceUrl: { flag: 'marketplace-url', ...url },
  publicUrl: { flag: 'public-url', env: 'PUBLIC_URL', ...url },
  hooksModule: { flag: 'hooks', env: 'HOOKS_MODULE', ...text(undefined) },
  landingSignIn: { env: 'LANDING_SIGN_IN', ...boolean(false) },
  reconcileIntervalMs: duration(
    'RECONCILE_INTERVAL',
    'PT1H',
    0,
    Number.MAX_SAFE_INTEGER,
    'an ISO 8601 duration without months or years, such as PT1H or PT15M',
  ),
  meteringIntervalMs: duration(
    'METERING_INTERVAL',
    'PT5M',
    10_000,
    60 * 60_000,
    'an ISO 8601 duration from PT10S to PT1H, such as PT5M: hours must be sent well within their 24-hour window',
  ),
  meteringLeaseMs: duration('METERING_LEASE', 'PT1M', 1000, 60 * 60_000, 'an ISO 8601 duration from PT1S to PT1H, such as PT1M'),
  metricsToken: { env: 'METRICS_TOKEN', ...key },
  marketplaceApi: { env: 'MARKETPLACE_API_URL', ...text(PRODUCTION_API) },
  entraAuthority: { env: 'ENTRA_AUTHORITY', ...text(PRODUCTION_AUTHORITY) },
  trustProxy: { env: 'TRUST_PROXY', read: readTrustProxy, fallback: false as boolean | string[] },
};

export interface PublisherConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Marketplace API base (…/api) and the Entra authority its tokens come from. */
  marketplaceApi: string;
  authority: string;
  tenantId: string;
  clientId: string;
  credential: Credential;
  adminPassword: string;
  appApiKey: string;
  metricsToken: string | undefined;
  /** dev: the file the generated admin password and app key are kept in, and whether this start made them. */
  devSecrets: DevSecrets | undefined;
  hooksModule: string | undefined;
  provisioning: { url: string; secret: string } | undefined;
  eventsUrl: string | undefined;
  eventsSecret: string | undefined;
  reconcileIntervalMs: number;
  /** Usage hours are sent this often (METERING_INTERVAL). */
  meteringIntervalMs: number;
  /** METERING_LEASE: how long a process holds the hours it sends before another may take them over. */
  meteringLeaseMs: number;
  /** TENANT_API_KEYS: keys that report usage for one customer tenant's subscriptions only. */
  tenantApiKeys: Record<string, string>;
  publicUrl: string | undefined;
  trustProxy: boolean | string[];
  logLevel: string;
  branding: Branding;
  /** "Sign in with Microsoft" on the landing page and/or for listed console users; undefined: off. */
  signIn: { issuer: string; clientId: string; clientSecret: string; landing: boolean; adminUsers: string[] } | undefined;
}

/**
 * The publisher's settings. `--marketplace-url` points it at an emulator (and defaults the credentials
 * to the emulator's dev app); without it, production endpoints and credentials from the environment.
 * `dev` generates what a newcomer has not set (admin password, app key) instead of refusing to start.
 */
export function publisherConfig(
  flags: Flags,
  env: Env,
  mode: 'publisher' | 'dev',
  defaults: { port?: number; marketplaceUrl?: string; devSecrets?: DevSecrets } = {},
): PublisherConfig {
  const adminPassword = secretFrom(env, 'ADMIN_PASSWORD', mode === 'dev' ? defaults.devSecrets?.adminPassword : undefined);
  const appApiKey = secretFrom(env, 'APP_API_KEY', mode === 'dev' ? defaults.devSecrets?.appApiKey : undefined);
  const { eventsUrl, eventsSecret } = eventsFrom(env);
  const settings = readSettings(PUBLISHER_SETTINGS, { ...flags, port: flags.port ?? (defaults.port === undefined ? undefined : String(defaults.port)) }, env);
  const origin = (settings.marketplaceUrl ?? defaults.marketplaceUrl)?.replace(/\/+$/, '');
  const emulated = origin !== undefined;
  const { tenantId, clientId } = appIdentity(env, emulated);
  const credential = credentialFrom(env, emulated);
  const branding = brandingFrom(env, emulated);
  const authority = origin ?? settings.entraAuthority;
  return {
    host: settings.host,
    port: settings.port,
    dataDir: path.resolve(settings.dataDir),
    databaseUrl: settings.databaseUrl,
    signIn: signInFrom(env, { authority, tenantId, clientId, credential, landing: settings.landingSignIn }),
    marketplaceApi: origin ? `${origin}/api` : settings.marketplaceApi,
    authority,
    tenantId,
    clientId,
    credential,
    adminPassword,
    appApiKey,
    metricsToken: settings.metricsToken,
    devSecrets: mode === 'dev' ? defaults.devSecrets : undefined,
    hooksModule: settings.hooksModule,
    provisioning: provisioningFrom(env, eventsSecret),
    eventsUrl,
    eventsSecret,
    reconcileIntervalMs: settings.reconcileIntervalMs,
    meteringIntervalMs: settings.meteringIntervalMs,
    meteringLeaseMs: settings.meteringLeaseMs,
    tenantApiKeys: tenantApiKeys(env, appApiKey),
    publicUrl: settings.publicUrl,
    trustProxy: settings.trustProxy,
    logLevel: settings.logLevel,
    branding,
  };
}

/** "Sign in with Microsoft": on the landing page (LANDING_SIGN_IN) and/or for the console users in ADMIN_OIDC_USERS. */
function signInFrom(
  env: Env,
  app: { authority: string; tenantId: string; clientId: string; credential: Credential; landing: boolean },
): PublisherConfig['signIn'] {
  const adminUsers = (env.ADMIN_OIDC_USERS ?? '')
    .split(',')
    .map((u) => u.trim().toLowerCase())
    .filter(Boolean);
  if (!app.landing && adminUsers.length === 0) return undefined;
  const appSecret = app.credential.kind === 'client-secret' ? app.credential.clientSecret : undefined;
  const clientSecret = env.OIDC_CLIENT_SECRET?.trim() || appSecret;
  if (!clientSecret) throw new ConfigError('OIDC_CLIENT_SECRET must be set (see the README, "Running in production")');
  return {
    issuer: env.OIDC_ISSUER?.trim() || `${app.authority}/${app.tenantId}/v2.0`,
    clientId: env.OIDC_CLIENT_ID?.trim() || app.clientId,
    clientSecret,
    landing: app.landing,
    adminUsers,
  };
}

/** TRUST_PROXY: off (default), true (only the proxy can reach the service), or the proxies' addresses or CIDR ranges. */
function readTrustProxy(value: string, name: string): boolean | string[] {
  if (value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  const addresses = value.split(',').map((a) => a.trim());
  for (const address of addresses)
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(address))
      throw new ConfigError(`${name} must be true, false or the proxies' addresses (comma-separated, CIDR allowed); got '${address}'`);
  return addresses;
}
