// Every setting of the commands, read once from flags and environment, validated with messages that
// name the flag or variable; the embedded defaults live here.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PRODUCTION_AUTHORITY } from '@saas-fulfillment/client';
import { PRODUCTION_API } from '@saas-fulfillment/client';
import { describeErrors, fixedDurationMs, parseDuration, validate } from '@saas-fulfillment/contract';
import { Catalog, CatalogError, ChaosSettings, DEMO_CATALOG, DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import type { Branding } from '@saas-fulfillment/publisher';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULTS = {
  host: '127.0.0.1',
  marketplacePort: 4010,
  publisherPort: 3000,
  dataDir: 'data',
  logLevel: 'info',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface MarketplaceConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  catalog: Catalog;
  catalogSource: string;
  publicUrl: string | undefined;
  logLevel: string;
  simulatorAllowRemote: boolean;
  /** Keep everything in memory: no files, nothing survives the process (test suites). */
  inMemory: boolean;
  /** HTTPS: the user's certificate and key (--tls-cert, --tls-key), or a local one made in the data folder (--https). */
  tls: { certFile: string; keyFile: string } | 'local' | undefined;
  /** Chaos from the start (--chaos <file>): seeded failures on a schedule. */
  chaos: ChaosSettings | undefined;
}

export type Flags = Record<string, string | boolean | undefined>;
export type Env = Record<string, string | undefined>;

export function marketplaceConfig(flags: Flags, env: Env): MarketplaceConfig {
  const configFile = stringFlag(flags, 'config');
  const catalog = loadCatalog(configFile);
  if (flags['in-memory'] === true && env.DATABASE_URL?.trim()) throw new ConfigError('--in-memory and DATABASE_URL exclude each other: choose one store');
  const webhookUrl = urlFlag(flags, 'webhook-url');
  const landingPageUrl = urlFlag(flags, 'landing-page-url');
  return {
    host: stringFlag(flags, 'host') ?? DEFAULTS.host,
    port: portFlag(flags, 'port', DEFAULTS.marketplacePort),
    dataDir: path.resolve(stringFlag(flags, 'data-dir') ?? DEFAULTS.dataDir),
    databaseUrl: databaseUrl(env),
    catalog: withPublisherUrls(catalog, { webhookUrl, landingPageUrl }),
    catalogSource: configFile ?? 'built-in demo catalog',
    publicUrl: urlFlag(flags, 'public-url'),
    logLevel: logLevel(flags, env),
    simulatorAllowRemote: flags['simulator-remote'] === true,
    inMemory: flags['in-memory'] === true,
    tls: tlsFrom(flags),
    chaos: chaosFrom(stringFlag(flags, 'chaos')),
  };
}

/** --chaos <file>: the settings of PUT /simulator/chaos, as JSON; a bad file names the field. */
function chaosFrom(file: string | undefined): ChaosSettings | undefined {
  if (file === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--chaos: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const errors = validate(ChaosSettings, value);
  if (errors.length > 0) throw new ConfigError(describeErrors(`--chaos ${file}`, errors));
  return value as ChaosSettings;
}

function tlsFrom(flags: Flags): MarketplaceConfig['tls'] {
  const certFile = stringFlag(flags, 'tls-cert');
  const keyFile = stringFlag(flags, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new ConfigError('--tls-cert and --tls-key go together: the certificate and its private key (PEM files)');
  if (certFile && keyFile) {
    for (const file of [certFile, keyFile]) if (!existsSync(file)) throw new ConfigError(`no file at ${file}`);
    if (flags.https === true) throw new ConfigError('--https makes a local certificate: give it, or --tls-cert and --tls-key, not both');
    return { certFile, keyFile };
  }
  return flags.https === true ? 'local' : undefined;
}

/** The catalog from a JSON file, or the demo catalog; a bad file is a ConfigError naming the field. */
function loadCatalog(file: string | undefined): Catalog {
  if (file === undefined) return new Catalog(structuredClone(DEMO_CATALOG));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`--config: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--config: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return Catalog.parse(json, path.basename(file));
  } catch (error) {
    if (error instanceof CatalogError) throw new ConfigError(`--config: ${file} is not a valid catalog:\n${error.message}`);
    throw error;
  }
}

/** The first publisher's connection webhook and landing page, replaced where given (the dev app's). */
export function withPublisherUrls(catalog: Catalog, urls: { webhookUrl?: string | undefined; landingPageUrl?: string | undefined }): Catalog {
  if (!urls.webhookUrl && !urls.landingPageUrl) return catalog;
  const [first, ...rest] = catalog.config.publishers;
  if (!first) return catalog;
  const updated = {
    ...first,
    ...(urls.webhookUrl ? { webhookUrl: urls.webhookUrl } : {}),
    ...(urls.landingPageUrl ? { landingPageUrl: urls.landingPageUrl } : {}),
  };
  return new Catalog({ publishers: [updated, ...rest] });
}

function databaseUrl(env: Env): string | undefined {
  const url = env.DATABASE_URL?.trim();
  if (!url) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite store)');
  return url;
}

function logLevel(flags: Flags, env: Env): string {
  const level = stringFlag(flags, 'log-level') ?? env.LOG_LEVEL ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got '${level}'`);
  return level;
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigError(`--${name} needs a value`);
  return value;
}

export function portFlag(flags: Flags, name: string, fallback: number): number {
  const value = stringFlag(flags, name);
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new ConfigError(`--${name} must be a port number from 0 to 65535; got '${value}'`);
  return port;
}

export function urlFlag(flags: Flags, name: string): string | undefined {
  const value = stringFlag(flags, name);
  return value === undefined ? undefined : httpUrl(value, `--${name}`);
}

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL; got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL; got '${value}'`);
  return value;
}

/** `--public-url`, else PUBLIC_URL: the origin users reach the app at (links, redirect URIs, Secure cookies). */
function publicUrl(flags: Flags, env: Env): string | undefined {
  const fromEnv = env.PUBLIC_URL?.trim();
  return urlFlag(flags, 'public-url') ?? (fromEnv ? httpUrl(fromEnv, 'PUBLIC_URL') : undefined);
}

/** TRUST_PROXY: off (default), true (only the proxy can reach the service), or the proxies' addresses or CIDR ranges. */
function trustProxy(env: Env): boolean | string[] {
  const value = env.TRUST_PROXY?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  const addresses = value.split(',').map((a) => a.trim());
  for (const address of addresses)
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(address))
      throw new ConfigError(`TRUST_PROXY must be true, false or the proxies' addresses (comma-separated, CIDR allowed); got '${address}'`);
  return addresses;
}

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
  /** How the app proves itself to Entra: a secret, a certificate (CLIENT_CERTIFICATE_PATH) or a federated token file (AZURE_FEDERATED_TOKEN_FILE). */
  credential: { kind: 'client-secret'; clientSecret: string } | { kind: 'certificate'; certificatePath: string } | { kind: 'federated'; tokenFilePath: string };
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

const PRODUCTION = { marketplaceApi: PRODUCTION_API, authority: PRODUCTION_AUTHORITY } as const;

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
  const marketplaceUrl = urlFlag(flags, 'marketplace-url') ?? defaults.marketplaceUrl;
  const emulated = marketplaceUrl !== undefined;
  const origin = marketplaceUrl?.replace(/\/+$/, '');
  const required = (name: string, fallback: string | undefined) => {
    const value = env[name]?.trim() || fallback;
    if (!value) throw new ConfigError(`${name} must be set (see the README, "Running in production")`);
    return value;
  };
  const secret = (name: 'ADMIN_PASSWORD' | 'APP_API_KEY', generated: string | undefined) => {
    const value = env[name]?.trim() || (mode === 'dev' ? generated : undefined);
    if (!value) throw new ConfigError(`${name} must be set: the publisher never runs its console or API open`);
    return value;
  };
  const adminPassword = secret('ADMIN_PASSWORD', defaults.devSecrets?.adminPassword);
  if (adminPassword.length < 8) throw new ConfigError('ADMIN_PASSWORD must be at least 8 characters');
  const appApiKey = secret('APP_API_KEY', defaults.devSecrets?.appApiKey);
  const eventsUrl = env.APP_EVENTS_URL?.trim() || undefined;
  const eventsSecret = env.APP_EVENTS_SECRET?.trim() || undefined;
  if (eventsUrl && !/^https?:\/\//.test(eventsUrl)) throw new ConfigError('APP_EVENTS_URL must be an http(s) URL');
  if (eventsUrl && !eventsSecret?.startsWith('whsec_'))
    throw new ConfigError('APP_EVENTS_SECRET must be set to a Standard Webhooks secret (whsec_ followed by base64) when APP_EVENTS_URL is');
  const landingSignIn = booleanEnv(env, 'LANDING_SIGN_IN');
  const adminUsers = (env.ADMIN_OIDC_USERS ?? '')
    .split(',')
    .map((u) => u.trim().toLowerCase())
    .filter(Boolean);
  const reconcile = parseDuration(env.RECONCILE_INTERVAL?.trim() || 'PT1H');
  const reconcileMs = reconcile && fixedDurationMs(reconcile);
  if (reconcileMs === undefined) throw new ConfigError('RECONCILE_INTERVAL must be an ISO 8601 duration without months or years, such as PT1H or PT15M');
  const metering = parseDuration(env.METERING_INTERVAL?.trim() || 'PT5M');
  const meteringMs = metering && fixedDurationMs(metering);
  if (meteringMs === undefined || meteringMs < 10_000 || meteringMs > 60 * 60_000)
    throw new ConfigError(
      'METERING_INTERVAL must be an ISO 8601 duration from PT10S to PT1H, such as PT5M: hours must be sent well within their 24-hour window',
    );
  const lease = parseDuration(env.METERING_LEASE?.trim() || 'PT1M');
  const leaseMs = lease && fixedDurationMs(lease);
  if (leaseMs === undefined || leaseMs < 1000 || leaseMs > 60 * 60_000)
    throw new ConfigError('METERING_LEASE must be an ISO 8601 duration from PT1S to PT1H, such as PT1M');
  const tenantId = required('TENANT_ID', emulated ? DEV_PUBLISHER.tenantId : undefined);
  const clientId = required('CLIENT_ID', emulated ? DEV_PUBLISHER.clientId : undefined);
  const credential = credentialFrom(env, emulated);
  const clientSecret = credential.kind === 'client-secret' ? credential.clientSecret : undefined;
  const branding = brandingFrom(env, emulated);
  const authority = origin ?? (env.ENTRA_AUTHORITY?.trim() || PRODUCTION.authority);
  const signIn =
    landingSignIn || adminUsers.length > 0
      ? {
          issuer: env.OIDC_ISSUER?.trim() || `${authority}/${tenantId}/v2.0`,
          clientId: env.OIDC_CLIENT_ID?.trim() || clientId,
          clientSecret: env.OIDC_CLIENT_SECRET?.trim() || clientSecret || required('OIDC_CLIENT_SECRET', undefined),
          landing: landingSignIn,
          adminUsers,
        }
      : undefined;
  return {
    host: stringFlag(flags, 'host') ?? DEFAULTS.host,
    port: portFlag(flags, 'port', defaults.port ?? DEFAULTS.publisherPort),
    dataDir: path.resolve(stringFlag(flags, 'data-dir') ?? DEFAULTS.dataDir),
    databaseUrl: databaseUrl(env),
    signIn,
    marketplaceApi: origin ? `${origin}/api` : env.MARKETPLACE_API_URL?.trim() || PRODUCTION.marketplaceApi,
    authority,
    tenantId,
    clientId,
    credential,
    adminPassword,
    appApiKey,
    metricsToken: env.METRICS_TOKEN?.trim() || undefined,
    devSecrets: mode === 'dev' ? defaults.devSecrets : undefined,
    hooksModule: stringFlag(flags, 'hooks') ?? (env.HOOKS_MODULE?.trim() || undefined),
    provisioning: provisioningFrom(env, eventsSecret),
    eventsUrl,
    eventsSecret,
    reconcileIntervalMs: reconcileMs,
    meteringIntervalMs: meteringMs,
    meteringLeaseMs: leaseMs,
    tenantApiKeys: tenantApiKeys(env, appApiKey),
    publicUrl: publicUrl(flags, env),
    trustProxy: trustProxy(env),
    logLevel: logLevel(flags, env),
    branding,
  };
}

/**
 * The app's credential: a certificate (CLIENT_CERTIFICATE_PATH, a PEM with the certificate and its key) or
 * a federated token file (AZURE_FEDERATED_TOKEN_FILE, workload identity) when set, else CLIENT_SECRET.
 * Against the emulator the well-known dev secret is the default.
 */
function credentialFrom(env: Env, emulated: boolean): PublisherConfig['credential'] {
  const certificatePath = env.CLIENT_CERTIFICATE_PATH?.trim();
  const tokenFilePath = env.AZURE_FEDERATED_TOKEN_FILE?.trim();
  const secret = env.CLIENT_SECRET?.trim();
  const chosen = [certificatePath && 'CLIENT_CERTIFICATE_PATH', tokenFilePath && 'AZURE_FEDERATED_TOKEN_FILE', secret && 'CLIENT_SECRET'].filter(Boolean);
  if (chosen.length > 1) throw new ConfigError(`Set one credential, not ${chosen.join(' and ')}`);
  if (certificatePath) {
    if (!existsSync(certificatePath)) throw new ConfigError(`CLIENT_CERTIFICATE_PATH: no file at ${certificatePath}`);
    return { kind: 'certificate', certificatePath };
  }
  if (tokenFilePath) {
    if (!existsSync(tokenFilePath)) throw new ConfigError(`AZURE_FEDERATED_TOKEN_FILE: no file at ${tokenFilePath}`);
    return { kind: 'federated', tokenFilePath };
  }
  const clientSecret = secret || (emulated ? DEV_PUBLISHER.clientSecret : undefined);
  if (!clientSecret) {
    throw new ConfigError(
      'Set the app credential: CLIENT_CERTIFICATE_PATH (recommended), AZURE_FEDERATED_TOKEN_FILE, or CLIENT_SECRET (see the README, "Running in production")',
    );
  }
  return { kind: 'client-secret', clientSecret };
}

/** TENANT_API_KEYS: `tenantId=key` pairs separated by commas; each key long enough to be a secret, and unique. */
function tenantApiKeys(env: Env, appApiKey: string): Record<string, string> {
  const keys: Record<string, string> = {};
  const seen = new Set([appApiKey]);
  for (const pair of (env.TENANT_API_KEYS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [tenantId = '', key = ''] = pair.split('=').map((part) => part.trim());
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)) {
      throw new ConfigError(`TENANT_API_KEYS: '${tenantId.slice(0, 40)}' is not a tenant id (a GUID); write tenantId=key pairs separated by commas`);
    }
    if (key.length < 16) throw new ConfigError(`TENANT_API_KEYS: the key for tenant ${tenantId} must be at least 16 characters`);
    if (seen.has(key)) throw new ConfigError(`TENANT_API_KEYS: the key for tenant ${tenantId} is used twice (or is APP_API_KEY)`);
    seen.add(key);
    keys[tenantId.toLowerCase()] = key;
  }
  return keys;
}

/** PROVISIONING_URL, signed with PROVISIONING_SECRET (else the app events' secret): the endpoint must be able to check who calls. */
function provisioningFrom(env: Env, eventsSecret: string | undefined): { url: string; secret: string } | undefined {
  const url = env.PROVISIONING_URL?.trim();
  if (!url) return undefined;
  const secret = env.PROVISIONING_SECRET?.trim() || eventsSecret;
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw new ConfigError(`PROVISIONING_URL must be an http(s) URL; got '${url}'`);
  if (!secret?.startsWith('whsec_'))
    throw new ConfigError(
      'PROVISIONING_SECRET (or APP_EVENTS_SECRET) must be set to a Standard Webhooks secret (whsec_ followed by base64) when PROVISIONING_URL is',
    );
  return { url, secret };
}

/** The name the demo catalog's offer goes by: what buyers see against an emulator unless PRODUCT_NAME says otherwise. */
const DEMO_PRODUCT_NAME = 'Contoso Cloud';

/** PRODUCT_NAME (required against Microsoft), PRODUCT_LOGO_URL, PRODUCT_URL, SUPPORT_CONTACT. */
function brandingFrom(env: Env, emulated: boolean): Branding {
  const productName = env.PRODUCT_NAME?.trim() || (emulated ? DEMO_PRODUCT_NAME : undefined);
  if (!productName) throw new ConfigError('PRODUCT_NAME must be set: it is what buyers see on the landing page');
  if (productName.length > 100) throw new ConfigError('PRODUCT_NAME must be at most 100 characters');
  const url = (name: string) => {
    const value = env[name]?.trim();
    if (!value) return undefined;
    if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new ConfigError(`${name} must be an http(s) URL; got '${value}'`);
    return value;
  };
  const support = env.SUPPORT_CONTACT?.trim() || undefined;
  if (support && !/^https?:\/\/\S+$/.test(support) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(support)) {
    throw new ConfigError(`SUPPORT_CONTACT must be an e-mail address or an http(s) URL; got '${support}'`);
  }
  return { productName, logoUrl: url('PRODUCT_LOGO_URL'), productUrl: url('PRODUCT_URL'), supportContact: support };
}

/** What `dev` generates for a newcomer who set no admin password or app key, kept for the next start. */
export interface DevSecrets {
  adminPassword: string;
  appApiKey: string;
  file: string;
  /** True when this start generated them (they are printed then, and only then). */
  fresh: boolean;
}

/** The dev secrets from `<dataDir>/dev-secrets.json`, generated and written (owner-only) when missing. */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, 'dev-secrets.json');
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    if (typeof stored.adminPassword === 'string' && typeof stored.appApiKey === 'string')
      return { adminPassword: stored.adminPassword, appApiKey: stored.appApiKey, file, fresh: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError))
      throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const secrets = { adminPassword: randomBytes(12).toString('base64url'), appApiKey: randomBytes(18).toString('base64url') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { ...secrets, file, fresh: true };
}

function booleanEnv(env: Env, name: string): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigError(`${name} must be true or false; got '${env[name]}'`);
}
