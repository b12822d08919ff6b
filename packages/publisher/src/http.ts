// What answers requests: the service-to-service APIs (webhook, entitlements, usage, health) outside any
// browser context, then the browser's side (landing page, sign-in, console pages and their JSON API)
// with cookies, server-side sessions, forms and page headers.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { securityHeaders } from '@saas-fulfillment/web';
import type { PublisherOptions, PublisherServices } from './services.js';
import { AdminAuth } from './auth/admin.js';
import { createKeyBrake } from './auth/brake.js';
import { OidcSignIn } from './auth/oidc.js';
import { registerSessions } from './auth/sessions.js';
import { adminPages } from './pages/admin.js';
import { landingRoutes } from './pages/landing.js';
import { meteringPages } from './pages/metering.js';
import { signInRoutes } from './pages/sign-in.js';
import { adminApi } from './routes/admin.js';
import { entitlementRoutes } from './routes/entitlements.js';
import { healthRoutes } from './routes/health.js';
import { meteringApi } from './routes/metering.js';
import { openApiRoutes } from './routes/openapi.js';
import { usageRoutes } from './routes/usage.js';
import { webhookRoutes } from './routes/webhook.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export async function registerHttp(app: FastifyInstance, services: PublisherServices, options: PublisherOptions): Promise<void> {
  const { store, metrics } = services;
  // First, on the root: the document is made from every route registered after it.
  await openApiRoutes(app, { version });
  await app.register(webhookRoutes, { verifier: options.verifier, fulfillment: services.fulfillment, metrics });
  // One count of wrong keys per address across the routes that take a bearer key.
  const wrongKey = await createKeyBrake(app, (request) => {
    metrics.keysBraked.inc();
    request.log.warn({ ip: request.ip, url: request.url.split('?')[0] }, 'bearer key braked: too many wrong keys from this address');
  });
  await app.register(entitlementRoutes, { store, apiKey: options.appApiKey, cacheMs: options.entitlementCacheMs ?? 1000, wrongKey });
  await app.register(usageRoutes, { metering: services.metering, metrics, appApiKey: options.appApiKey, tenantKeys: options.tenantApiKeys ?? {}, wrongKey });
  await app.register(healthRoutes, {
    store,
    metrics,
    metricsToken: options.metricsToken,
    wrongKey,
    jobs: (options.runWorker ?? true) ? services.worker.jobs : undefined,
    credential: options.credential,
  });
  await app.register(browserSide, { services, options });
}

/** The browser's side: one context with cookies, sessions, forms and page headers, for pages and the console's JSON. */
async function browserSide(pages: FastifyInstance, { services, options }: { services: PublisherServices; options: PublisherOptions }): Promise<void> {
  const { store, clock, metering, plans, fulfillment, metrics } = services;
  const cookieSecret = await store.settings.setOnce('cookie-secret', randomBytes(32).toString('base64url'));
  const sessionSecret = await store.settings.setOnce('session-secret', randomBytes(32).toString('base64url'));
  const publicUrl = () => options.publicUrl?.replace(/\/+$/, '') ?? listeningOrigin(pages);
  const secureCookies = options.publicUrl?.startsWith('https://') ?? false;
  const publicOrigin = options.publicUrl && new URL(options.publicUrl).origin;
  const ownOrigin = (request: FastifyRequest) => publicOrigin || `${request.protocol}://${request.host}`;
  // Form tokens are bound to the signed-in session, if any: nobody's page view writes a session row.
  const signedInAs = (request: FastifyRequest) => (request.session.get('admin') || request.session.get('user') ? request.session.sessionId : 'nobody');
  const forms = { ownOrigin, secureCookies, bindTo: { hmacKey: sessionSecret, userInfo: signedInAs } };
  const auth = await AdminAuth.start(options.adminPassword, {
    secret: sessionSecret,
    adminUsers: options.signIn?.adminUsers ?? [],
    sessions: store.sessions,
    settings: store.settings,
    hashCost: options.adminPasswordHashCost,
  });
  const { branding } = options;
  const today = () => clock.now().toISOString().slice(0, 10);

  await securityHeaders(pages, { hsts: secureCookies });
  await pages.register(cookie, { secret: cookieSecret });
  await registerSessions(pages, { table: store.sessions, secret: sessionSecret, secure: secureCookies });
  await pages.register(formbody, { bodyLimit: 64 * 1024 });
  if (options.signIn) await pages.register(signInRoutes, { signIn: new OidcSignIn(options.signIn.settings, clock, publicUrl), auth });
  const activationWaitMs = options.activationWaitMs ?? 3000;
  const requireSignIn = options.signIn?.landing ?? false;
  await pages.register(landingRoutes, { fulfillment, store, plans, clock, formSecret: cookieSecret, branding, activationWaitMs, requireSignIn, forms });
  const credential = options.credential;
  const marketplaceApi = options.client.baseUrl;
  await pages.register(adminPages, {
    auth,
    console: services.console,
    plans,
    productName: branding.productName,
    metrics,
    forms,
    credential,
    clock,
    marketplaceApi,
  });
  await pages.register(adminApi, { auth, console: services.console, plans, ownOrigin });
  await pages.register(meteringPages, { auth, metering, productName: branding.productName, forms, today });
  await pages.register(meteringApi, { auth, metering, ownOrigin, today });
  pages.get('/', async (_request, reply) => reply.redirect('/admin', 302));
}

/** The origin of the address the app listens on (loopback in development), for when no public URL is set. */
function listeningOrigin(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the publisher is not listening yet: set publicUrl');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
