// @ts-check
// Contoso Cloud, the example product of a fictional vendor: how a SaaS product uses its publisher service
// through @saas-fulfillment/app. Its users sign in with Microsoft Entra ID at their organization (the
// tenant the subscription was bought for); every page and API call then asks the SDK whether that tenant
// may use the product (answered from a cache the publisher's signed events keep fresh) and opens only a
// subscription of that tenant. The plan decides the features and the seats; each call of the reports API
// is recorded as usage, which the SDK journals and sends to the publisher, which bills Microsoft, and the
// page says what became of each call: billed, waiting, or refused and why.
// `saas-fulfillment dev --product examples/product/product.js` (what `npm start` runs) starts it beside
// the emulator and the publisher; main.js runs it alone.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { connect, EventVerificationError } from '@saas-fulfillment/app';
import { homePage, otherTenantPage, refusedPage, signInFailedPage, workspacePage } from './pages.js';
import { FEATURES_BY_PLAN, planOf } from './plans.js';
import { createSignIn, SignInError } from './sign-in.js';

/** @typedef {import('@saas-fulfillment/app').Decision} Decision */
/** @typedef {import('@saas-fulfillment/app').Entitlement} Entitlement */
/** @typedef {import('./sign-in.js').ProductUser} ProductUser */

/**
 * What `dev --product` passes, and main.js reads from the environment.
 * @typedef {object} ProductOptions
 * @property {string} host
 * @property {number} port
 * @property {string} publisherUrl the publisher service's origin
 * @property {string} apiKey the publisher's APP_API_KEY
 * @property {string} eventsSecret the publisher's APP_EVENTS_SECRET (`whsec_…`)
 * @property {string} dataDir where the usage journal is kept
 * @property {import('./sign-in.js').SignInSettings} signIn the Entra app users sign in with
 * @property {string} [publicUrl] where users reach the product (default: the address it listens on)
 * @property {string} [cookieSecret] signs the sign-in cookies (default: made at start; users sign in again after a restart)
 * @property {string} [marketplaceUrl] the emulator, for the home page's link to buy
 */

const ASSETS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const asset = (/** @type {string} */ name) => readFileSync(path.join(ASSETS, name), 'utf8');
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Open live-update streams at most, and at most per subscription; more are refused (each holds a connection). */
const MAX_LISTENERS = 1000;
const MAX_LISTENERS_PER_SUBSCRIPTION = 20;
/** Teams kept at most: a workspace is made only for a subscription the publisher vouches for. */
const MAX_TEAMS = 10_000;
/** How long an API call waits for the publisher to say what became of its usage before answering "waiting". */
const BILLING_WAIT_MS = 3000;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** @param {ProductOptions} options */
export async function startProduct(options) {
  const app = await connect({
    baseUrl: options.publisherUrl,
    apiKey: options.apiKey,
    eventsSecret: options.eventsSecret,
    // Events make changes show at once; the bound caps how stale a copy may be when an event is lost.
    entitlements: { maxStalenessMs: 30_000, features: FEATURES_BY_PLAN },
    usage: { journal: path.join(options.dataDir, 'product', 'usage.jsonl') },
  });
  /** @type {Map<string, string[]>} the team of each workspace (a real product keeps it in its database) */
  const teams = new Map();
  /** @type {Map<string, { calls: number; billed: number; refused: number; lastRefusal?: string }>} reports API calls per subscription, and what their usage became */
  const billing = new Map();
  const billingOf = (/** @type {string} */ id) => {
    const kept = billing.get(id) ?? { calls: 0, billed: 0, refused: 0 };
    billing.set(id, kept);
    return kept;
  };
  // What became of each record the publisher answered for, refusals with their reason.
  app.usage.on('settled', (_key, outcome, record) => {
    const kept = billingOf(record.subscriptionId);
    if (outcome.status === 'refused') {
      kept.refused++;
      kept.lastRefusal = outcome.message;
    } else kept.billed++;
  });
  /** @type {Map<string, Set<import('node:http').ServerResponse>>} pages listening for changes, by subscription */
  const listeners = new Map();
  let listening = 0;

  const server = Fastify({ forceCloseConnections: true });
  await server.register(cookie, { secret: options.cookieSecret ?? randomBytes(32).toString('base64url') });
  // same-origin (not helmet's no-referrer): a form posted from the product's own page keeps its Origin header.
  await server.register(helmet, { contentSecurityPolicy: false, referrerPolicy: { policy: 'same-origin' } });
  await server.register(formbody, { bodyLimit: 4096 });
  server.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CSP);
  });
  // The forms act on a workspace: a form posted from another site is refused (no cross-site requests).
  server.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.url === '/events') return;
    // A browser says where a request comes from (Sec-Fetch-Site); an older one only its Origin.
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    const crossSite = site ? site !== 'same-origin' && site !== 'none' : origin !== undefined && origin !== `http://${request.headers.host}`;
    if (crossSite) {
      return reply.code(403).send({ code: 'cross-site', message: 'A request from another site is refused.' });
    }
  });

  let url = '';
  const signIn = createSignIn(options.signIn, () => `${url}/auth/callback`);

  const assets = new Map([
    ['product.css', { type: 'text/css', body: asset('product.css') }],
    ['product.js', { type: 'text/javascript', body: asset('product.js') }],
  ]);
  server.get('/assets/:name', async (request, reply) => {
    const found = assets.get(/** @type {{ name: string }} */ (request.params).name);
    if (!found) return reply.code(404).send({ code: 'not-found', message: 'No such file.' });
    return reply.type(found.type).header('cache-control', 'no-cache').send(found.body);
  });

  server.get('/', async (request, reply) => {
    const user = signIn.user(request);
    const decision = user ? await app.entitlements.checkTenant(user.tenantId) : undefined;
    reply.type('text/html').header('cache-control', 'no-store');
    return homePage({ marketplaceUrl: options.marketplaceUrl, user, workspace: decision?.entitlement?.subscriptionId });
  });

  /**
   * Who may open the workspace of subscription `id`, asked before anything is shown or billed: someone
   * signed in at the subscription's own organization (its beneficiary tenant), whose tenant the publisher
   * says may use the product (checkTenant) and whose subscription this is and allows `feature`.
   * @param {import('fastify').FastifyRequest} request
   * @param {string} id
   * @param {string | undefined} feature
   * @returns {Promise<{ kind: 'ok'; user: ProductUser; decision: Decision } | { kind: 'sign-in'; tenantId: string } | { kind: 'refused'; status: number; decision: Decision; user?: ProductUser; otherTenant?: boolean }>}
   */
  const access = async (request, id, feature) => {
    /** @type {Decision} */
    const unknown = { allowed: false, reason: 'unknown-subscription' };
    if (!SUBSCRIPTION_ID.test(id)) return { kind: 'refused', status: 403, decision: unknown };
    const decision = await app.entitlements.check(id, feature);
    if (decision.reason === 'unverified') return { kind: 'refused', status: 503, decision };
    const tenantId = decision.entitlement?.beneficiaryTenantId?.toLowerCase();
    if (!tenantId) return { kind: 'refused', status: 403, decision: unknown };
    const user = signIn.user(request);
    if (!user) return { kind: 'sign-in', tenantId };
    if (user.tenantId !== tenantId) return { kind: 'refused', status: 403, decision: unknown, user, otherTenant: true };
    const tenant = await app.entitlements.checkTenant(user.tenantId, feature);
    if (!tenant.allowed && tenant.reason !== 'not-in-plan')
      return { kind: 'refused', status: tenant.reason === 'unverified' ? 503 : 403, decision: tenant, user };
    if (!decision.allowed) return { kind: 'refused', status: 403, decision, user };
    return { kind: 'ok', user, decision };
  };

  /** The team of a workspace the publisher vouches for: the buyer first. */
  const teamOf = (/** @type {string} */ id, /** @type {ProductUser} */ user) => {
    let team = teams.get(id);
    if (!team) {
      if (teams.size >= MAX_TEAMS) teams.delete(/** @type {string} */ (teams.keys().next().value));
      team = [`${user.name} (the buyer)`];
      teams.set(id, team);
    }
    return team;
  };
  const seatsOf = (/** @type {Decision} */ decision) => {
    const entitlement = /** @type {Entitlement} */ (decision.entitlement);
    return planOf(entitlement.planId).seats ?? entitlement.quantity ?? 1;
  };
  /** A page refusing access, in words. */
  const refuse = (
    /** @type {import('fastify').FastifyReply} */ reply,
    /** @type {Exclude<Awaited<ReturnType<typeof access>>, { kind: 'ok' | 'sign-in' }>} */ refusal,
  ) =>
    reply
      .code(refusal.status)
      .type('text/html')
      .send(refusal.otherTenant && refusal.user ? otherTenantPage(refusal.user) : refusedPage(refusal.decision, refusal.user));

  server.get('/s/:id', async (request, reply) => {
    const id = /** @type {{ id: string }} */ (request.params).id.toLowerCase();
    const granted = await access(request, id, undefined);
    reply.header('cache-control', 'no-store');
    if (granted.kind === 'sign-in') return signIn.start(reply, granted.tenantId, `/s/${id}`);
    if (granted.kind === 'refused') return refuse(reply, granted);
    const notice = /** @type {{ notice?: string }} */ (request.query).notice;
    const team = teamOf(id, granted.user);
    return reply
      .type('text/html')
      .send(
        workspacePage({ id, decision: granted.decision, user: granted.user, members: team, seats: seatsOf(granted.decision), notice, billing: billingOf(id) }),
      );
  });

  server.post('/s/:id/members', async (request, reply) => {
    const id = /** @type {{ id: string }} */ (request.params).id.toLowerCase();
    const granted = await access(request, id, undefined);
    if (granted.kind !== 'ok')
      return reply
        .code(granted.kind === 'sign-in' ? 401 : granted.status)
        .type('text/html')
        .send(refusedPage(granted.kind === 'sign-in' ? { allowed: false, reason: 'not-entitled' } : granted.decision));
    const back = (/** @type {string} */ notice) => reply.redirect(`/s/${encodeURIComponent(id)}?notice=${notice}`, 303);
    if (granted.decision.reason === 'read-only') return back('read-only');
    const name = String(/** @type {{ name?: unknown } | undefined} */ (request.body)?.name ?? '').trim();
    if (name.length < 1 || name.length > 60) return back('name');
    const team = teamOf(id, granted.user);
    if (team.length >= seatsOf(granted.decision)) return back('full');
    team.push(name);
    return back('added');
  });

  // The reports API: the plan must include it, the subscription must be active, and each call is usage.
  server.post('/s/:id/api/reports', async (request, reply) => {
    const id = /** @type {{ id: string }} */ (request.params).id.toLowerCase();
    const granted = await access(request, id, 'api');
    if (granted.kind === 'sign-in') return reply.code(401).send({ code: 'sign-in', message: 'Sign in first.' });
    if (granted.kind === 'refused' || granted.decision.reason === 'read-only')
      return reply.code(granted.kind === 'refused' ? granted.status : 403).send(apiRefusal(granted.decision));
    const plan = planOf(/** @type {Entitlement} */ (granted.decision.entitlement).planId);
    const kept = billingOf(id);
    kept.calls++;
    const report = { id: randomUUID(), title: 'Weekly activity', rows: 42 };
    if (!plan.metered) return { report, billed: null, calls: kept };
    // Kept by the SDK (journaled on disk) before anything else: it reaches the bill, or the refusal is told.
    const key = await app.usage.record({ subscriptionId: id, dimension: 'api_calls', quantity: 1 });
    const outcome = await app.usage.outcome(key, { timeoutMs: BILLING_WAIT_MS });
    return { report, billed: { dimension: 'api_calls', quantity: 1, ...outcome }, calls: kept };
  });

  // A page listening for changes: told when the publisher's event for its subscription arrives. Only for a
  // signed-in user of the subscription's organization, a bounded number per subscription and in all.
  server.get('/s/:id/updates', async (request, reply) => {
    const id = /** @type {{ id: string }} */ (request.params).id.toLowerCase();
    if ((await access(request, id, undefined)).kind !== 'ok') return reply.code(404).send({ code: 'not-found', message: 'No such subscription.' });
    // The caller may have gone while the publisher was asked: nothing to hold then.
    if (request.raw.destroyed || reply.raw.destroyed) return reply.hijack();
    const set = listeners.get(id) ?? new Set();
    if (listening >= MAX_LISTENERS || set.size >= MAX_LISTENERS_PER_SUBSCRIPTION)
      return reply.code(503).send({ code: 'busy', message: 'Too many pages are listening; reload later.' });
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    reply.raw.write(': listening\n\n');
    listeners.set(id, set.add(reply.raw));
    listening++;
    reply.raw.once('close', () => {
      listening--;
      set.delete(reply.raw);
      if (set.size === 0 && listeners.get(id) === set) listeners.delete(id);
    });
  });

  server.get('/auth/callback', async (request, reply) => {
    try {
      const { next } = await signIn.finish(request, reply);
      return reply.redirect(next.startsWith('/') && !next.startsWith('//') ? next : '/', 303);
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      return reply.code(400).type('text/html').send(signInFailedPage(error.message));
    }
  });

  server.post('/sign-out', async (_request, reply) => {
    signIn.signOut(reply);
    return reply.redirect('/', 303);
  });

  // The publisher's signed events: checked against the raw body; each event once (a replay runs nothing),
  // then the pages of that subscription reload.
  app.events?.on('*', (event) => {
    for (const page of listeners.get(event.data.subscriptionId.toLowerCase()) ?? []) page.write(`event: changed\ndata: ${event.type}\n\n`);
  });
  server.register(async (events) => {
    events.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 65_536 }, (_request, body, done) => done(null, body));
    events.post('/events', async (request, reply) => {
      try {
        await /** @type {import('@saas-fulfillment/app').Events} */ (app.events).handle(request.headers, /** @type {string} */ (request.body));
        return reply.code(204).send();
      } catch (error) {
        if (error instanceof EventVerificationError) return reply.code(400).send({ code: 'bad-signature', message: error.message });
        throw error;
      }
    });
  });

  await server.listen({ host: options.host, port: options.port });
  const address = /** @type {import('node:net').AddressInfo} */ (server.server.address());
  // Bound to every address (a container): its links name loopback, which a browser here opens.
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host === '::' ? '[::1]' : options.host;
  url = options.publicUrl?.replace(/\/+$/, '') ?? `http://${host}:${address.port}`;
  return {
    url,
    eventsUrl: `${url}/events`,
    /** The workspace of a subscription: where the landing page's "Open Contoso Cloud" goes. */
    workspaceUrl: `${url}/s/{subscriptionId}`,
    /** Where Entra sends users back after signing in: register it on the app. */
    redirectUri: `${url}/auth/callback`,
    async close() {
      await server.close();
      // Sends the usage still waiting (it stays in the journal if the publisher is gone).
      await app.close();
    },
  };
}

/** Why the API refused a call, in words. */
function apiRefusal(/** @type {Decision} */ decision) {
  switch (decision.reason) {
    case 'not-in-plan':
      return { code: 'not-in-plan', message: 'Your plan does not include the reports API.' };
    case 'read-only':
      return { code: 'suspended', message: 'The subscription is suspended: the reports API is unavailable until it is reinstated.' };
    case 'unverified':
      return { code: 'unverified', message: 'The subscription could not be checked just now; try again shortly.' };
    default:
      return { code: 'not-entitled', message: 'This subscription may not use the reports API.' };
  }
}
