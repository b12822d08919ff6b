// What answers requests: Microsoft's APIs (fulfillment and metering under /api, the Entra stand-in's
// tokens and keys), the built-in webhook inbox, health and the simulator's control API, outside any browser
// context; then the browser's side (the Entra sign-in page, the purchase simulator) with cookies, forms
// and page headers.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { hostsOf, jsonTextOf, securityHeaders, type FormGuardOptions, type LocalTool } from '@saas-fulfillment/web';
import type { AdjustableClock } from '@saas-fulfillment/contract';
import type { MarketplaceOptions, MarketplaceServices } from './services.js';
import { issueWorkloadToken, type WorkloadTokenRequest } from './identity/workload-tokens.js';
import type { SimulatorPageDeps } from './pages/frame.js';
import { simulatorPages } from './pages/index.js';
import { signInPages } from './pages/sign-in.js';
import { apiRoutes } from './routes/api.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes, workloadIssuer } from './routes/identity.js';
import { inboxRoutes } from './routes/inbox.js';
import { simulatorRoutes, type SimulatorRouteDeps } from './routes/simulator.js';
import { clockAdvancer } from './simulator/clock.js';
import { keptAnswer, keptBody, type RequestLog } from './simulator/requests.js';

export async function registerHttp(app: FastifyInstance, services: MarketplaceServices, options: MarketplaceOptions): Promise<void> {
  const { fulfillment, metering, tokens, faults, chaos, publicUrl, closing } = services;
  inspectCalls(app, services.requests, services.clock);
  await app.register(apiRoutes, { prefix: '/api', api: fulfillment.api, metering, tokens, faults, chaos, publicUrl, closing });
  await app.register(async (identity) => {
    // Entra reads form bodies.
    await identity.register(formbody, { bodyLimit: app.initialConfig.bodyLimit });
    const { catalog, key, identityClock, directory } = services;
    await identity.register(identityRoutes, { catalog, tokens, signIn: services.signIn, directory, key, clock: identityClock, publicUrl, chaos });
  });
  await app.register(inboxRoutes, { inbox: services.inbox });
  await app.register(healthRoutes, { store: services.store, worker: (options.runWorker ?? true) ? services.worker : undefined });
  const simulator = simulatorDeps(app, services, options);
  await app.register(simulatorRoutes, { prefix: '/simulator', ...simulator });
  await app.register(browserSide, { services, simulator });
}

/** The calls the request inspector keeps: the APIs under /api and Entra's token endpoints, as answered. */
function inspectCalls(app: FastifyInstance, requests: RequestLog, clock: AdjustableClock): void {
  if (requests.capacity <= 0) return;
  app.addHook('onSend', (request, reply, payload, done) => {
    const { url } = request;
    if (url.startsWith('/api/') || /\/oauth2\/(v2\.0\/)?token(\?|$)/.test(url)) {
      const form = request.body as { client_id?: unknown } | undefined;
      requests.record({
        // Marketplace time, as every time the emulator shows (its offset, without a Date per call).
        at: Date.now() + clock.offset,
        method: request.method,
        url,
        status: reply.statusCode,
        durationMs: reply.elapsedTime,
        publisherId: request.marketplaceCaller?.publisherId,
        clientId: request.marketplaceCaller?.clientId ?? (typeof form?.client_id === 'string' ? form.client_id : undefined),
        requestBody: keptBody(jsonTextOf(request), request.body),
        responseBody: keptAnswer(payload),
      });
    }
    done(null, payload);
  });
}

/** What the simulator's control API and pages share: the services, the loopback guard and the form guard. */
function simulatorDeps(app: FastifyInstance, services: MarketplaceServices, options: MarketplaceOptions): SimulatorRouteDeps & SimulatorPageDeps {
  const { store, clock, key, identityClock, worker } = services;
  const localTool: LocalTool = {
    allowRemote: options.simulatorAllowRemote ?? false,
    hosts: () => hostsOf(app.server.address(), options.publicUrl),
    controlToken: options.controlToken,
  };
  // The Host is checked first (localTool), so the request's own origin is one of the simulator's.
  const forms: FormGuardOptions = {
    ownOrigin: (request) => `${request.protocol}://${request.host}`,
    secureCookies: options.https !== undefined || (options.publicUrl?.startsWith('https://') ?? false),
  };
  const advanceClock = clockAdvancer(clock, store, () => worker.drain());
  const workloadToken = (request: WorkloadTokenRequest) => issueWorkloadToken(key, workloadIssuer(services.publicUrl()), request, identityClock.now());
  return { ...services, advanceClock, localTool, forms, workloadToken, resetEmptiesPublisher: options.onReset !== undefined };
}

/** The browser's side: one context with cookies, forms and page headers. */
async function browserSide(
  pages: FastifyInstance,
  { services, simulator }: { services: MarketplaceServices; simulator: SimulatorRouteDeps & SimulatorPageDeps },
): Promise<void> {
  const { store, endpoints } = services;
  const cookieSecret = await store.settings.setOnce('cookie-secret', randomBytes(32).toString('base64url'));
  await pages.register(cookie, { secret: cookieSecret });
  await pages.register(formbody, { bodyLimit: pages.initialConfig.bodyLimit });
  // "Configure account now" leads to a publisher's landing page: the forms may go there.
  const landingOrigins = () => [...new Set(endpoints.list().map((view) => new URL(view.landingPageUrl).origin))];
  await securityHeaders(pages, { hsts: false, formTargets: landingOrigins });
  await pages.register(signInPages, { catalog: services.catalog, signIn: services.signIn, directory: services.directory, endpoints });
  await pages.register(simulatorPages, simulator);
}
