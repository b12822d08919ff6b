// The emulator's settings (the marketplace command, and the emulator half of dev): its schema, and the
// catalog, chaos and TLS files the flags name, each refused with the flag and the field when wrong.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeErrors, validate } from '@saas-fulfillment/contract';
import { Catalog, CatalogError, ChaosSettings, DEMO_CATALOG, DocumentFileError, readDocumentFile } from '@saas-fulfillment/marketplace';
import { ConfigError, key, port, readSettings, switchedOn, text, url, type Env, type Flags } from './read.js';
import { DEFAULTS, SERVER_SETTINGS } from './server.js';

const MARKETPLACE_SETTINGS = {
  ...SERVER_SETTINGS,
  port: { flag: 'port', ...port(DEFAULTS.marketplacePort) },
  publicUrl: { flag: 'public-url', ...url },
  configFile: { flag: 'config', ...text(undefined) },
  webhookUrl: { flag: 'webhook-url', ...url },
  landingPageUrl: { flag: 'landing-page-url', ...url },
  chaosFile: { flag: 'chaos', ...text(undefined) },
  tlsCert: { flag: 'tls-cert', ...text(undefined) },
  tlsKey: { flag: 'tls-key', ...text(undefined) },
  seedFile: { flag: 'seed', ...text(undefined) },
  importFile: { flag: 'import', ...text(undefined) },
  exportOnExit: { flag: 'export-on-exit', ...text(undefined) },
  controlToken: { flag: 'control-token', env: 'SIMULATOR_CONTROL_TOKEN', ...key },
};

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
  /** The token the simulator's control API and pages require, if any. */
  controlToken: string | undefined;
  /** Keep everything in memory: no files, nothing survives the process (test suites). */
  inMemory: boolean;
  /** HTTPS: the user's certificate and key (--tls-cert, --tls-key), or a local one made in the data folder (--https). */
  tls: { certFile: string; keyFile: string } | 'local' | undefined;
  /** Chaos from the start (--chaos <file>): seeded failures on a schedule. */
  chaos: ChaosSettings | undefined;
  /** The state to start from and reset to (--seed <file>), read but not yet checked. */
  seed: unknown;
  /** A state snapshot to start from (--import <file>), read but not yet checked. */
  importState: unknown;
  /** The files they came from, for errors. */
  seedFile: string | undefined;
  importFile: string | undefined;
  /** Where to write the state when the emulator stops (--export-on-exit <file>). */
  exportOnExit: string | undefined;
}

export function marketplaceConfig(flags: Flags, env: Env): MarketplaceConfig {
  const settings = readSettings(MARKETPLACE_SETTINGS, flags, env);
  const inMemory = switchedOn(flags, 'in-memory');
  if (inMemory && settings.databaseUrl) throw new ConfigError('--in-memory and DATABASE_URL exclude each other: choose one store');
  if (settings.seedFile && settings.importFile) throw new ConfigError('--seed and --import exclude each other: a snapshot is a whole state, a seed another');
  const seed = documentFrom('--seed', settings.seedFile);
  const importState = documentFrom('--import', settings.importFile);
  // A document made against a catalog brings it, unless --config names another.
  const documentCatalog = catalogOf(seed ?? importState);
  const catalog =
    settings.configFile === undefined && documentCatalog !== undefined
      ? parseCatalog(documentCatalog, `the catalog in ${settings.seedFile ?? settings.importFile}`)
      : loadCatalog(settings.configFile);
  return {
    host: settings.host,
    port: settings.port,
    dataDir: path.resolve(settings.dataDir),
    databaseUrl: settings.databaseUrl,
    catalog: withPublisherUrls(catalog, settings),
    catalogSource: settings.configFile ?? (documentCatalog ? `the catalog in ${settings.seedFile ?? settings.importFile}` : 'built-in demo catalog'),
    publicUrl: settings.publicUrl,
    logLevel: settings.logLevel,
    simulatorAllowRemote: switchedOn(flags, 'simulator-remote'),
    controlToken: settings.controlToken,
    inMemory,
    tls: tlsFrom(settings.tlsCert, settings.tlsKey, switchedOn(flags, 'https')),
    chaos: chaosFrom(settings.chaosFile),
    seed,
    importState,
    seedFile: settings.seedFile,
    importFile: settings.importFile,
    exportOnExit: settings.exportOnExit && path.resolve(settings.exportOnExit),
  };
}

/** A seed or state file (YAML or JSON), read; its schema is checked when the emulator loads it. */
function documentFrom(flag: string, file: string | undefined): unknown {
  if (file === undefined) return undefined;
  try {
    return readDocumentFile(file);
  } catch (error) {
    if (error instanceof DocumentFileError) throw new ConfigError(`${flag}: ${error.message}`);
    throw error;
  }
}

function catalogOf(document: unknown): unknown {
  return typeof document === 'object' && document !== null && 'catalog' in document ? document.catalog : undefined;
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

function tlsFrom(certFile: string | undefined, keyFile: string | undefined, local: boolean): MarketplaceConfig['tls'] {
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new ConfigError('--tls-cert and --tls-key go together: the certificate and its private key (PEM files)');
  if (certFile && keyFile) {
    for (const file of [certFile, keyFile]) if (!existsSync(file)) throw new ConfigError(`no file at ${file}`);
    if (local) throw new ConfigError('--https makes a local certificate: give it, or --tls-cert and --tls-key, not both');
    return { certFile, keyFile };
  }
  return local ? 'local' : undefined;
}

/** The catalog from a JSON file, or the demo catalog; a bad file is a ConfigError naming the field. */
function loadCatalog(file: string | undefined): Catalog {
  if (file === undefined) return new Catalog(structuredClone(DEMO_CATALOG));
  let textRead: string;
  try {
    textRead = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`--config: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(textRead);
  } catch (error) {
    throw new ConfigError(`--config: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseCatalog(json, file);
}

function parseCatalog(json: unknown, source: string): Catalog {
  try {
    return Catalog.parse(json, path.basename(source));
  } catch (error) {
    if (error instanceof CatalogError) throw new ConfigError(`--config: ${source} is not a valid catalog:\n${error.message}`);
    throw error;
  }
}

/** The first publisher's connection webhook and landing page, replaced where given (the dev app's). */
export function withPublisherUrls(
  catalog: Catalog,
  urls: { webhookUrl?: string | undefined; landingPageUrl?: string | undefined; redirectUris?: readonly string[] | undefined },
): Catalog {
  if (!urls.webhookUrl && !urls.landingPageUrl && !urls.redirectUris) return catalog;
  const [first, ...rest] = catalog.config.publishers;
  if (!first) return catalog;
  const updated = {
    ...first,
    ...(urls.webhookUrl ? { webhookUrl: urls.webhookUrl } : {}),
    ...(urls.landingPageUrl ? { landingPageUrl: urls.landingPageUrl } : {}),
    ...(urls.redirectUris ? { redirectUris: [...urls.redirectUris] } : {}),
  };
  return new Catalog({ publishers: [updated, ...rest] });
}
