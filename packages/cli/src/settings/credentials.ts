// The publisher's secrets and credentials: how it proves itself to Entra (a certificate, a federated token
// file or a secret; the emulator's well-known dev secret against an emulator), the keys tenants report
// usage with, and the signed provisioning endpoint.
import { existsSync } from 'node:fs';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace/catalog';
import { ConfigError, keyText, MIN_KEY_LENGTH, type Env } from './read.js';

/** How the app proves itself to Entra. */
export type Credential =
  | { kind: 'client-secret'; clientSecret: string }
  | { kind: 'certificate'; certificatePath: string }
  | { kind: 'federated'; tokenFilePath: string };

/**
 * The app's credential: a certificate (CLIENT_CERTIFICATE_PATH, a PEM with the certificate and its key) or
 * a federated token file (AZURE_FEDERATED_TOKEN_FILE, workload identity) when set, else CLIENT_SECRET.
 * Against the emulator the well-known dev secret is the default.
 */
export function credentialFrom(env: Env, emulated: boolean): Credential {
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

/** The app's tenant and client id: from the environment, or the emulator's dev app against an emulator. */
export function appIdentity(env: Env, emulated: boolean): { tenantId: string; clientId: string } {
  const required = (name: 'TENANT_ID' | 'CLIENT_ID', fallback: string) => {
    const value = env[name]?.trim() || (emulated ? fallback : undefined);
    if (!value) throw new ConfigError(`${name} must be set (see the README, "Running in production")`);
    return value;
  };
  return { tenantId: required('TENANT_ID', DEV_PUBLISHER.tenantId), clientId: required('CLIENT_ID', DEV_PUBLISHER.clientId) };
}

/** ADMIN_PASSWORD or APP_API_KEY; `dev` falls back to the one it generated. */
export function secretFrom(env: Env, name: 'ADMIN_PASSWORD' | 'APP_API_KEY', generated: string | undefined): string {
  const value = env[name]?.trim() || generated;
  if (!value) throw new ConfigError(`${name} must be set: the publisher never runs its console or API open`);
  if (name === 'ADMIN_PASSWORD' && value.length < 8) throw new ConfigError('ADMIN_PASSWORD must be at least 8 characters');
  return name === 'APP_API_KEY' ? keyText(value, name) : value;
}

/** TENANT_API_KEYS: `tenantId=key` pairs separated by commas; each key long enough to be a secret, and unique. */
export function tenantApiKeys(env: Env, appApiKey: string): Record<string, string> {
  const keys: Record<string, string> = {};
  const seen = new Set([appApiKey]);
  const pairs = (env.TENANT_API_KEYS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const pair of pairs) {
    const [tenantId = '', key = ''] = pair.split('=').map((part) => part.trim());
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)) {
      throw new ConfigError(`TENANT_API_KEYS: '${tenantId.slice(0, 40)}' is not a tenant id (a GUID); write tenantId=key pairs separated by commas`);
    }
    if (key.length < MIN_KEY_LENGTH) throw new ConfigError(`TENANT_API_KEYS: the key for tenant ${tenantId} must be at least ${MIN_KEY_LENGTH} characters`);
    if (seen.has(key)) throw new ConfigError(`TENANT_API_KEYS: the key for tenant ${tenantId} is used twice (or is APP_API_KEY)`);
    seen.add(key);
    keys[tenantId.toLowerCase()] = key;
  }
  return keys;
}

/** APP_EVENTS_URL with its Standard Webhooks secret, APP_EVENTS_SECRET. */
export function eventsFrom(env: Env): { eventsUrl: string | undefined; eventsSecret: string | undefined } {
  const eventsUrl = env.APP_EVENTS_URL?.trim() || undefined;
  const eventsSecret = env.APP_EVENTS_SECRET?.trim() || undefined;
  if (eventsUrl && !/^https?:\/\//.test(eventsUrl)) throw new ConfigError('APP_EVENTS_URL must be an http(s) URL');
  if (eventsUrl && !eventsSecret?.startsWith('whsec_'))
    throw new ConfigError('APP_EVENTS_SECRET must be set to a Standard Webhooks secret (whsec_ followed by base64) when APP_EVENTS_URL is');
  return { eventsUrl, eventsSecret };
}

/** PROVISIONING_URL, signed with PROVISIONING_SECRET (else the app events' secret): the endpoint must be able to check who calls. */
export function provisioningFrom(env: Env, eventsSecret: string | undefined): { url: string; secret: string } | undefined {
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
