// The application contract: an OpenAPI 3.1 document of every API the vendor's own systems call (the
// entitlements, usage and the console's JSON API) and of the events the publisher sends them, made from
// the routes' own schemas by @fastify/swagger, so it cannot drift from what the code answers. Served at
// /openapi.json, with a reference page at /docs/api (Swagger UI, from this package, no CDN).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { MAX_RECORDS, UsageRecord } from '../metering/ingestion.js';
import { ConditionalHeaders } from './entitlements.js';
import { SubscriptionEvent } from '@saas-fulfillment/contract';

/** What each application-facing route is, for a reader of the document: every route under /api has one. */
const OPERATIONS: Record<string, { id: string; summary: string; tag: 'Entitlements' | 'Usage' | 'Console'; auth: 'app' | 'usage' | 'console' }> = {
  'GET /api/entitlements/{subscriptionId}': {
    id: 'getEntitlement',
    summary: "A subscription's plan, seats, status and access",
    tag: 'Entitlements',
    auth: 'app',
  },
  'GET /api/entitlements': { id: 'listEntitlements', summary: "A customer tenant's subscriptions, each with its access", tag: 'Entitlements', auth: 'app' },
  'POST /api/usage': { id: 'recordUsage', summary: 'Report usage: one record, or up to 1,000 with a result each', tag: 'Usage', auth: 'usage' },
  'GET /api/admin/subscriptions': {
    id: 'searchSubscriptions',
    summary: 'Search subscriptions by id, name or e-mail, status and plan',
    tag: 'Console',
    auth: 'console',
  },
  'GET /api/admin/subscriptions/{id}': { id: 'getSubscriptionTimeline', summary: 'A subscription with its timeline', tag: 'Console', auth: 'console' },
  'GET /api/admin/subscriptions/{id}/plans': {
    id: 'listSubscriptionPlans',
    summary: 'The plans Microsoft offers the subscription',
    tag: 'Console',
    auth: 'console',
  },
  'POST /api/admin/subscriptions/{id}/plan': {
    id: 'changePlan',
    summary: 'Ask Microsoft to move the subscription to another plan',
    tag: 'Console',
    auth: 'console',
  },
  'POST /api/admin/subscriptions/{id}/quantity': { id: 'changeQuantity', summary: 'Ask Microsoft to change the seats', tag: 'Console', auth: 'console' },
  'POST /api/admin/subscriptions/{id}/cancel': {
    id: 'cancelSubscription',
    summary: 'Ask Microsoft to cancel the subscription',
    tag: 'Console',
    auth: 'console',
  },
  'GET /api/admin/jobs': { id: 'listJobs', summary: 'Jobs waiting, running or failed', tag: 'Console', auth: 'console' },
  'POST /api/admin/jobs/{id}/retry': { id: 'retryJob', summary: 'Run a waiting or failed job now', tag: 'Console', auth: 'console' },
  'POST /api/admin/reconcile': { id: 'reconcileNow', summary: "Compare every subscription with Microsoft's and repair drift", tag: 'Console', auth: 'console' },
  'GET /api/admin/drift': { id: 'listDriftRepairs', summary: 'Repairs made to match Microsoft', tag: 'Console', auth: 'console' },
  'GET /api/admin/metering': {
    id: 'getUsageOverview',
    summary: 'Usage hours by status, what needs attention, the hours asked for',
    tag: 'Console',
    auth: 'console',
  },
  'POST /api/admin/metering/submit': { id: 'submitUsage', summary: 'Send the closed hours to Microsoft now', tag: 'Console', auth: 'console' },
  'GET /api/admin/metering/reconciliation': {
    id: 'reconcileUsage',
    summary: "A day's billing against Microsoft's usage record",
    tag: 'Console',
    auth: 'console',
  },
};

const SECURITY: Record<'app' | 'usage' | 'console', Record<string, string[]>[]> = {
  app: [{ appKey: [] }],
  usage: [{ appKey: [] }, { tenantKey: [] }],
  console: [{ consoleSession: [] }],
};

/** Documented (the route reads it itself): the sender's clock, by which each record's time is read on the publisher's. */
const SentAtHeaders = Type.Object({
  'sent-at': Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        "The sender's clock when it sent the request (RFC 3339). When it differs from the publisher's by more than two seconds, each record's timestamp is moved by the difference, so a product whose clock is not the publisher's (a moved marketplace clock, a skewed host) is billed in the right hour. The SDK sends it.",
    }),
  ),
});

/** POST /api/usage reads its records one by one (a bad one is refused alone); the document says what each must be. */
const UsageBody = Type.Union([UsageRecord, Type.Array(UsageRecord, { minItems: 1, maxItems: MAX_RECORDS })]);

/** Standard Webhooks' headers on every event the publisher sends. */
const EVENT_HEADERS = [
  { name: 'webhook-id', description: 'The event id (`evt_…`), the same on every attempt: deduplicate by it.' },
  { name: 'webhook-timestamp', description: 'Seconds since the epoch when this attempt was signed: refuse one far from now.' },
  { name: 'webhook-signature', description: '`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` with the secret (APP_EVENTS_SECRET).' },
].map((header) => ({ in: 'header', required: true, schema: { type: 'string' }, ...header }));

export async function openApiRoutes(app: FastifyInstance, options: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SaaS fulfillment publisher: application API',
        version: options.version,
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          "What the vendor's own systems call: entitlements (may this customer use the product, with how many seats), usage (metered billing, sent to Microsoft's Metering API each hour), the console's JSON API, and the signed events the publisher sends on every subscription change. Errors are `{ code, message, target? }` with `target` naming the field at fault.",
      },
      servers: [{ url: '/', description: 'The publisher that serves this document' }],
      tags: [
        { name: 'Entitlements', description: "The vendor's application asks before letting a customer in." },
        { name: 'Usage', description: 'The application reports usage; the publisher bills each hour once.' },
        { name: 'Console', description: 'The admin console as JSON, for a signed-in console session.' },
      ],
      components: {
        securitySchemes: {
          appKey: { type: 'http', scheme: 'bearer', description: 'The application API key (APP_API_KEY).' },
          tenantKey: { type: 'http', scheme: 'bearer', description: "A customer tenant's usage key (TENANT_API_KEYS): that tenant's subscriptions only." },
          consoleSession: { type: 'apiKey', in: 'cookie', name: 'session', description: 'A console session, opened by signing in at /admin/login.' },
        },
      },
      webhooks: {
        subscriptionEvent: {
          post: {
            operationId: 'subscriptionEvent',
            summary: 'A subscription changed (APP_EVENTS_URL)',
            description: 'Sent once per change, retried with backoff until a 2xx answer; verify the signature before acting on it.',
            parameters: EVENT_HEADERS,
            // Sent by the publisher, signed in its headers: the receiver checks the signature, not a key.
            security: [],
            requestBody: { required: true, content: { 'application/json': { schema: SubscriptionEvent } } },
            responses: { '2XX': { description: 'Received: the event is not sent again.' } },
          },
        },
      },
    } as never,
    transform: ({ schema, url, route }) => {
      if (!url.startsWith('/api/')) return { schema: { ...schema, hide: true }, url };
      const method = [route.method].flat()[0] ?? 'GET';
      const path = url.replace(/:(\w+)/g, '{$1}');
      const operation = OPERATIONS[`${method} ${path}`];
      if (!operation) throw new Error(`${method} ${path} is not described in the OpenAPI document (routes/openapi.ts)`);
      return {
        url,
        schema: {
          ...schema,
          ...(method === 'POST' && path === '/api/usage' ? { body: UsageBody, headers: SentAtHeaders } : {}),
          ...(method === 'GET' && path === '/api/entitlements/{subscriptionId}' ? { headers: ConditionalHeaders } : {}),
          operationId: operation.id,
          summary: operation.summary,
          tags: [operation.tag],
          security: SECURITY[operation.auth],
        },
      };
    },
  });
  // In a scope of its own: its pages get the viewport a phone needs (Swagger UI's own page has none).
  await app.register(async (docs) => {
    docs.addHook('onSend', async (_request, reply, payload) =>
      typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('text/html')
        ? payload.replace('<head>', '<head>\n      <meta name="viewport" content="width=device-width, initial-scale=1">')
        : payload,
    );
    await docs.register(swaggerUi, {
      routePrefix: '/docs/api',
      // The reference alone: no top bar offering to explore another document.
      uiConfig: { deepLinking: false, defaultModelsExpandDepth: 0, layout: 'BaseLayout' },
      theme: { title: 'Application API reference' },
      // Its own files only: the scripts and stylesheets it is served with, nothing inline, nothing framed.
      staticCSP: {
        'default-src': ["'none'"],
        'script-src': ["'self'"],
        // The one style element Swagger UI writes itself (the browser test fails if a new version adds another).
        'style-src': ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
      },
    });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(app.swagger()));
}
