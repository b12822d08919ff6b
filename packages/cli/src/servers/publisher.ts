// `saas-fulfillment publisher`: the vendor's fulfillment service, against production or an emulator.
import pino from 'pino';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  type EntraCredential,
  MarketplaceClient,
  WorkloadIdentityCredential,
} from '@saas-fulfillment/client';
import type { Clock } from '@saas-fulfillment/contract';
import type { PublisherConfig } from '../settings/publisher.js';
import { linkHost } from '../settings/server.js';
import { buildPublisher, type PublisherApp } from '@saas-fulfillment/publisher';
import { loadHooks } from '@saas-fulfillment/publisher';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { createWebhookVerifier } from '@saas-fulfillment/publisher';
import { startTracing, traceIds } from './tracing.js';

/** Log fields that could carry a secret; pino replaces them. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'cookie',
  'clientSecret',
  'client_secret',
  'password',
  'token',
  'access_token',
];

export interface RunningPublisher {
  app: PublisherApp;
  url: string;
  /** Stops within seconds; resolves with the work it had to cut short (empty: none). */
  close(): Promise<readonly string[]>;
}

/** The app's credential as configured: certificate, federated token file, or secret. */
function credentialOf(config: PublisherConfig): EntraCredential {
  const common = { tenantId: config.tenantId, clientId: config.clientId, authorityHost: config.authority };
  const { credential } = config;
  if (credential.kind === 'certificate') return new ClientCertificateCredential({ ...common, certificatePath: credential.certificatePath });
  if (credential.kind === 'federated') return new WorkloadIdentityCredential({ ...common, tokenFilePath: credential.tokenFilePath });
  return new ClientSecretCredential({ ...common, clientSecret: credential.clientSecret });
}

/** `meteringClock`: in dev, the simulator's clock, so usage hours follow it when it is moved forward. */
export async function startPublisherService(config: PublisherConfig, options: { meteringClock?: Clock } = {}): Promise<RunningPublisher> {
  const tracing = await startTracing('saas-fulfillment-publisher');
  const logger = pino({ level: config.logLevel, name: 'publisher', redact: { paths: REDACT, censor: '[redacted]' }, mixin: traceIds });
  const { store, database } = await openPublisherStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onConnectionLost: (error) => logger.warn({ err: error }, 'a database connection was lost; the next query opens a new one'),
  });
  const credential = credentialOf(config);
  const client = new MarketplaceClient({ baseUrl: config.marketplaceApi, credential, logger });
  let app: PublisherApp;
  try {
    app = await buildPublisher({
      store,
      client,
      verifier: createWebhookVerifier({ authority: config.authority, tenantId: config.tenantId, clientId: config.clientId }),
      hooks: await loadHooks({ module: config.hooksModule, provisioning: config.provisioning }),
      branding: config.branding,
      credential,
      adminPassword: config.adminPassword,
      appApiKey: config.appApiKey,
      ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
      events: { url: config.eventsUrl, secret: config.eventsSecret },
      logger,
      reconcileIntervalMs: config.reconcileIntervalMs,
      meteringIntervalMs: config.meteringIntervalMs,
      meteringLeaseMs: config.meteringLeaseMs,
      tenantApiKeys: config.tenantApiKeys,
      ...(options.meteringClock ? { meteringClock: options.meteringClock } : {}),
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      trustProxy: config.trustProxy,
      ...(config.signIn ? { signIn: { settings: config.signIn, landing: config.signIn.landing, adminUsers: config.signIn.adminUsers } } : {}),
      onClose: async () => {
        await database.close();
        await tracing?.shutdown();
      },
    });
  } catch (error) {
    await database.close();
    await tracing?.shutdown();
    throw error;
  }
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const listening = `http://${linkHost(config.host)}:${typeof address === 'object' && address ? address.port : config.port}`;
  const url = config.publicUrl ?? listening;
  logger.info({ store: database.location, marketplace: config.marketplaceApi, publicUrl: config.publicUrl }, `publisher service listening on ${listening}`);
  return { app, url, close: () => app.close().then(() => app.publisher.cutShort()) };
}

export function describePublisher(running: RunningPublisher, config: PublisherConfig): string {
  const lines = [
    `Publisher service     ${running.url}`,
    `  Landing page        ${running.url}/landing`,
    `  Webhook             ${running.url}/webhook`,
    `  Admin console       ${running.url}/admin`,
    `  Entitlements API    ${running.url}/api/entitlements/{subscriptionId}`,
    `  Usage API           POST ${running.url}/api/usage   (metered billing; Bearer the app key)`,
    `  API reference       ${running.url}/docs/api   (OpenAPI document: ${running.url}/openapi.json)`,
    `  Marketplace API     ${config.marketplaceApi}`,
  ];
  // Generated in dev only and shown on the start that made them, so a newcomer can sign in; never logged.
  const secrets = config.devSecrets;
  if (secrets?.fresh) {
    if (secrets.adminPassword === config.adminPassword)
      lines.push(`  Admin password      ${config.adminPassword}   (generated; set ADMIN_PASSWORD to choose one)`);
    if (secrets.appApiKey === config.appApiKey) lines.push(`  App API key         ${config.appApiKey}   (generated; set APP_API_KEY to choose one)`);
    lines.push(`  Both are kept in ${secrets.file} and reused on the next start.`);
  } else if (secrets) {
    lines.push(`  Admin password and app key: in ${secrets.file} (generated on the first start)`);
  }
  return lines.join('\n');
}
