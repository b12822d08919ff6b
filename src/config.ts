// Every setting of the commands, read once from flags and environment, validated with messages that
// name the flag or variable; the embedded defaults live here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Catalog, CatalogError, DEMO_CATALOG } from './marketplace/catalog.js';

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
}

export type Flags = Record<string, string | boolean | undefined>;
export type Env = Record<string, string | undefined>;

export function marketplaceConfig(flags: Flags, env: Env): MarketplaceConfig {
  const configFile = stringFlag(flags, 'config');
  const catalog = loadCatalog(configFile);
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
  };
}

/** The catalog from a JSON file, or the demo catalog; a bad file is a ConfigError naming the field. */
export function loadCatalog(file: string | undefined): Catalog {
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
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--${name} must be an absolute http(s) URL; got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--${name} must be an http(s) URL; got '${value}'`);
  return value;
}
