// @ts-check
// Contoso Cloud, the example product of a fictional vendor: how a SaaS product uses its publisher service
// through @saas-fulfillment/app. Every page and API call asks the SDK whether the subscription may use the
// product (answered from a cache the publisher's signed events keep fresh); the plan decides the features
// and the seats; each call of the reports API is recorded as usage, which the SDK journals and sends to
// the publisher, which bills Microsoft. `saas-fulfillment dev --product examples/product/product.js` (what
// `npm start` runs) starts it beside the emulator and the publisher; main.js runs it alone.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { connect, EventVerificationError } from '@saas-fulfillment/app';
import { homePage, refusedPage, workspacePage } from './pages.js';
import { FEATURES_BY_PLAN, planOf } from './plans.js';

/** @typedef {import('@saas-fulfillment/app').Decision} Decision */

/**
 * What `dev --product` passes, and main.js reads from the environment.
 * @typedef {object} ProductOptions
 * @property {string} host
 * @property {number} port
 * @property {string} publisherUrl the publisher service's origin
 * @property {string} apiKey the publisher's APP_API_KEY
 * @property {string} eventsSecret the publisher's APP_EVENTS_SECRET (`whsec_…`)
 * @property {string} dataDir where the usage journal is kept
 * @property {string} [marketplaceUrl] the emulator, for the home page's link to buy
 */

const ASSETS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const asset = (/** @type {string} */ name) => readFileSync(path.join(ASSETS, name), 'utf8');
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Open live-update streams at most; more are refused (each holds a connection). */
const MAX_LISTENERS = 1000;
/** Teams kept at most: a workspace is made only for a subscription the publisher vouches for. */
const MAX_TEAMS = 10_000;

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
  /** @type {Map<string, number>} reports API calls per subscription since the start */
  const calls = new Map();
  /** @type {Map<string, Set<import('node:http').ServerResponse>>} pages listening for changes, by subscription */
  const listeners = new Map();
  let listening = 0;

  const server = Fastify({ forceCloseConnections: true });
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

  const assets = new Map([
    ['product.css', { type: 'text/css', body: asset('product.css') }],
    ['product.js', { type: 'text/javascript', body: asset('product.js') }],
  ]);
  server.get('/assets/:name', async (request, reply) => {
    const found = assets.get(/** @type {{ name: string }} */ (request.params).name);
    if (!found) return reply.code(404).send({ code: 'not-found', message: 'No such file.' });
    return reply.type(found.type).header('cache-control', 'no-cache').send(found.body);
  });
  server.get('/', async (_request, reply) => reply.type('text/html').send(homePage(options.marketplaceUrl)));

  /** The SDK's decision for a subscription named in the URL; a malformed id is refused without asking. */
  const decide = async (/** @type {string} */ id, /** @type {string | undefined} */ feature) =>
    SUBSCRIPTION_ID.test(id) ? app.entitlements.check(id, feature) : /** @type {Decision} */ ({ allowed: false, reason: 'unknown-subscription' });

  /** The team of a workspace the publisher vouches for: the buyer first. */
  const teamOf = (/** @type {string} */ id) => {
    let team = teams.get(id);
    if (!team) {
      if (teams.size >= MAX_TEAMS) teams.delete(/** @type {string} */ (teams.keys().next().value));
      team = ['You (the buyer)'];
      teams.set(id, team);
    }
    return team;
  };
  const seatsOf = (/** @type {Decision} */ decision) => {
    const entitlement = /** @type {import('@saas-fulfillment/app').Entitlement} */ (decision.entitlement);
    return planOf(entitlement.planId).seats ?? entitlement.quantity ?? 1;
  };

  server.get('/s/:id', async (request, reply) => {
    const { id } = /** @type {{ id: string }} */ (request.params);
    const decision = await decide(id.toLowerCase(), undefined);
    reply.type('text/html').header('cache-control', 'no-store');
    if (!decision.allowed) return reply.code(decision.reason === 'unverified' ? 503 : 403).send(refusedPage(decision));
    const notice = /** @type {{ notice?: string }} */ (request.query).notice;
    return workspacePage({ id, decision, members: teamOf(id.toLowerCase()), seats: seatsOf(decision), notice, apiCalls: calls.get(id.toLowerCase()) ?? 0 });
  });

  server.post('/s/:id/members', async (request, reply) => {
    const id = /** @type {{ id: string }} */ (request.params).id.toLowerCase();
    const decision = await decide(id, undefined);
    if (!decision.allowed) return reply.code(403).type('text/html').send(refusedPage(decision));
    const back = (/** @type {string} */ notice) => reply.redirect(`/s/${encodeURIComponent(id)}?notice=${notice}`, 303);
    if (decision.reason === 'read-only') return back('read-only');
    const name = String(/** @type {{ name?: unknown } | undefined} */ (request.body)?.name ?? '').trim();
    if (name.length < 1 || name.length > 60) return back('name');
    const team = teamOf(id);
    if (team.length >= seatsOf(decision)) return back('full');
    team.push(name);
    return back('added');
  });

  // The reports API: the plan must include it, the subscription must be active, and each call is usage.
  server.post('/s/:id/api/reports', async (request, reply) => {
    const id = /** @type {{ id: string }} */ (request.params).id.toLowerCase();
    const decision = await decide(id, 'api');
    if (!decision.allowed || decision.reason === 'read-only') return reply.code(decision.reason === 'unverified' ? 503 : 403).send(apiRefusal(decision));
    const plan = planOf(/** @type {import('@saas-fulfillment/app').Entitlement} */ (decision.entitlement).planId);
    // Acknowledged to the caller only once the SDK holds it (journaled on disk): it reaches the bill.
    if (plan.metered) await app.usage.record({ subscriptionId: id, dimension: 'api_calls', quantity: 1 });
    calls.set(id, (calls.get(id) ?? 0) + 1);
    return { report: { id: randomUUID(), title: 'Weekly activity', rows: 42 }, billed: plan.metered ? { dimension: 'api_calls', quantity: 1 } : null };
  });

  // A page listening for changes: told when the publisher's event for its subscription arrives.
  // Only for a subscription the publisher vouches for: a made-up id holds no connection.
  server.get('/s/:id/updates', async (request, reply) => {
    const id = /** @type {{ id: string }} */ (request.params).id.toLowerCase();
    if (!(await decide(id, undefined)).allowed) return reply.code(404).send({ code: 'not-found', message: 'No such subscription.' });
    if (listening >= MAX_LISTENERS) return reply.code(503).send({ code: 'busy', message: 'Too many pages are listening; reload later.' });
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    reply.raw.write(': listening\n\n');
    const set = listeners.get(id) ?? new Set();
    listeners.set(id, set.add(reply.raw));
    listening++;
    reply.raw.on('close', () => {
      listening--;
      set.delete(reply.raw);
      if (set.size === 0) listeners.delete(id);
    });
  });

  // The publisher's signed events: checked against the raw body, then the pages of that subscription reload.
  server.register(async (events) => {
    events.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 65_536 }, (_request, body, done) => done(null, body));
    events.post('/events', async (request, reply) => {
      try {
        const event = await /** @type {import('@saas-fulfillment/app').Events} */ (app.events).handle(request.headers, /** @type {string} */ (request.body));
        for (const page of listeners.get(event.data.subscriptionId.toLowerCase()) ?? []) page.write(`event: changed\ndata: ${event.type}\n\n`);
        return reply.code(204).send();
      } catch (error) {
        if (error instanceof EventVerificationError) return reply.code(400).send({ code: 'bad-signature', message: error.message });
        throw error;
      }
    });
  });

  await server.listen({ host: options.host, port: options.port });
  const address = /** @type {import('node:net').AddressInfo} */ (server.server.address());
  const url = `http://${options.host}:${address.port}`;
  return {
    url,
    eventsUrl: `${url}/events`,
    /** The workspace of a subscription: where the landing page's "Open Contoso Cloud" goes. */
    workspaceUrl: `${url}/s/{subscriptionId}`,
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
