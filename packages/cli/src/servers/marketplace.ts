// `saas-fulfillment marketplace`: the emulator on its own, on the embedded store or PostgreSQL.
import pino from 'pino';
import { readFileSync } from 'node:fs';
import { ApiError } from '@saas-fulfillment/contract';
import type { MarketplaceConfig } from '../settings/marketplace.js';
import { ConfigError } from '../settings/read.js';
import type { TlsFiles } from '../tls.js';
import { writeFileSafely } from '../files.js';
import { buildMarketplace, type MarketplaceApp } from '@saas-fulfillment/marketplace';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import { openMarketplaceStore } from '@saas-fulfillment/marketplace';
import { signingKeyFromJwk } from '@saas-fulfillment/marketplace/internals';

export interface RunningMarketplace {
  app: MarketplaceApp;
  url: string;
  /** With HTTPS: the certificate file a client must trust (NODE_EXTRA_CA_CERTS). */
  trust: string | undefined;
  /** Stops within seconds; resolves with the work it had to cut short (empty: none). */
  close(): Promise<readonly string[]>;
}

export interface StartOptions {
  /** In `dev`, what else a reset empties (the publisher's store). */
  onReset?: () => Promise<void>;
  /**
   * A signing key begun before the emulator loaded (JWK as JSON), for an emulator in memory: it answers
   * while the key is still being made, and what signs waits for it.
   */
  signingJwk?: Promise<string> | undefined;
}

export async function startMarketplace(config: MarketplaceConfig, options: StartOptions = {}): Promise<RunningMarketplace> {
  const logger = pino({ level: config.logLevel, name: 'marketplace', redact: ['req.headers.authorization', 'headers.authorization'] });
  const tls = await tlsFiles(config);
  const { store, database } = await openMarketplaceStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    inMemory: config.inMemory,
    onConnectionLost: (error) => logger.warn({ err: error }, 'a database connection was lost; the next query opens a new one'),
  });
  let app: MarketplaceApp;
  try {
    app = await buildMarketplace({
      store,
      catalog: config.catalog,
      publicUrl: config.publicUrl,
      logger,
      simulatorAllowRemote: config.simulatorAllowRemote,
      controlToken: config.controlToken,
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      ...(config.chaos ? { chaos: config.chaos } : {}),
      ...(options.onReset ? { onReset: options.onReset } : {}),
      ...(options.signingJwk ? { key: options.signingJwk.then(signingKeyFromJwk) } : {}),
      seed: config.seed,
      importState: config.importState,
      onClose: () => database.close(),
    });
  } catch (error) {
    await database.close();
    throw startingProblem(error, config);
  }
  await app.listen({ host: config.host, port: config.port });
  const url = app.marketplace.publicUrl();
  logger.info({ store: database.location, catalog: config.catalogSource }, `marketplace emulator listening on ${url}`);
  const close = async () => {
    if (config.exportOnExit) await exportState(app, config.exportOnExit, logger);
    await app.close();
    return app.marketplace.cutShort();
  };
  return { app, url, trust: tls?.caFile, close };
}

/** A seed or snapshot the emulator refused at start is the flag's fault: named with the flag, the file and the field. */
function startingProblem(error: unknown, config: MarketplaceConfig): unknown {
  if (!(error instanceof ApiError) || error.statusCode >= 500) return error;
  const flag = config.importState !== undefined ? `--import ${config.importFile}` : `--seed ${config.seedFile}`;
  return new ConfigError(`${flag}: ${error.target && !error.message.startsWith(error.target) ? `${error.target}: ` : ''}${error.message}`);
}

/** --export-on-exit: the state written safely (files.ts): a crash mid-write leaves the last one whole. */
async function exportState(app: MarketplaceApp, file: string, logger: pino.Logger): Promise<void> {
  try {
    writeFileSafely(file, `${JSON.stringify(await app.marketplace.snapshots.export(), null, 1)}\n`);
    logger.info({ file }, 'state exported');
  } catch (error) {
    logger.error({ err: error, file }, 'the state could not be exported');
  }
}

/** The certificate and key to serve HTTPS with, and the file to trust; none without TLS settings. */
async function tlsFiles(config: MarketplaceConfig): Promise<TlsFiles | undefined> {
  if (config.tls === undefined) return undefined;
  // The certificate library is loaded only when a certificate is to be made: it is not small.
  if (config.tls === 'local') return (await import('../tls.js')).localCertificate(config.dataDir, config.host);
  return { cert: readFileSync(config.tls.certFile, 'utf8'), key: readFileSync(config.tls.keyFile, 'utf8'), caFile: config.tls.certFile };
}

/** What a newcomer needs to point a publisher at the emulator. */
export function describeMarketplace(running: RunningMarketplace): string {
  const { url } = running;
  const catalog = running.app.marketplace.catalog;
  const lines = [
    `Marketplace emulator  ${url}`,
    `  Purchase simulator  ${url}/`,
    `  Fulfillment API     ${url}/api/saas/subscriptions?api-version=2018-08-31`,
    `  Control API         ${url}/simulator/purchases`,
  ];
  const chaos = running.app.marketplace.chaos.get();
  if (chaos) lines.push(`  Chaos               on, seed ${chaos.seed} (replay: "seed": ${chaos.seed} in the --chaos file)`);
  if (running.trust) lines.push(`  HTTPS: trust ${running.trust} (NODE_EXTRA_CA_CERTS=${running.trust} for Node, or your system's store)`);
  for (const publisher of catalog.publishers) {
    const endpoints = running.app.marketplace.endpoints.view(publisher);
    const source = (kind: string) => (kind === 'built-in' ? ' (built in)' : '');
    lines.push(
      `  Publisher ${publisher.publisherId}: tenant ${publisher.tenantId}, client ${publisher.clientId}`,
      `    token endpoint    ${url}/${publisher.tenantId}/oauth2/v2.0/token (v1: /oauth2/token)`,
      `    JWKS              ${url}/${publisher.tenantId}/discovery/v2.0/keys`,
      `    landing page      ${endpoints.landingPageUrl}${source(endpoints.landingPageSource)}`,
      `    webhook           ${endpoints.webhookUrl}${source(endpoints.webhookSource)}`,
    );
  }
  if (catalog.publisherByClientId(DEV_PUBLISHER.clientId))
    lines.push('  The dev publisher uses the well-known credentials in the README: for this machine only.');
  return lines.join('\n');
}
