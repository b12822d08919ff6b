// What keeps another site from acting with a signed-in browser: every state-changing request must come
// from the app's own origin (Origin and Sec-Fetch-Site, when the browser sends them; DNS rebinding is
// the Host check's job), and every form carries a CSRF token (@fastify/csrf-protection) that a page on
// another origin cannot read. The token is put into each post form of an HTML page as it is sent, so
// templates need not know about it.
import csrf from '@fastify/csrf-protection';
import { ApiError } from '@saas-fulfillment/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const POST_FORM = /<form\b[^>]*\bmethod="post"[^>]*>/gi;
const TOKEN = Symbol('formToken');

type WithToken = FastifyRequest & { [TOKEN]?: string };

/** The origin a browser on this app sends: the public URL's when set, else the one the request names. */
export type OwnOrigin = (request: FastifyRequest) => string;

/** Refuses a state-changing request a browser sent from another origin (or another site, by Sec-Fetch-Site). */
export function refuseCrossOrigin(app: FastifyInstance, ownOrigin: OwnOrigin): void {
  app.addHook('onRequest', async (request) => {
    if (!STATE_CHANGING.has(request.method)) return;
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    const expected = ownOrigin(request);
    // A page under `Referrer-Policy: no-referrer` posts with `Origin: null`; so does a sandboxed frame
    // on another site, which Sec-Fetch-Site gives away.
    const sameOrigin = origin === 'null' ? site === 'same-origin' : origin === undefined || origin === expected;
    if ((typeof site === 'string' && site !== 'same-origin' && site !== 'none') || !sameOrigin)
      throw new ApiError(403, 'CrossOriginRequest', `Requests that change something must come from ${expected} itself`, 'origin');
  });
}

/** JSON APIs take JSON bodies only, so a form on another site cannot post to them. */
export function requireJsonBodies(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const type = request.headers['content-type'];
    if (STATE_CHANGING.has(request.method) && type !== undefined && !/^application\/json\s*(;|$)/i.test(type))
      throw new ApiError(415, 'UnsupportedMediaType', 'Send the body as application/json', 'content-type');
  });
}

export interface FormGuardOptions {
  ownOrigin: OwnOrigin;
  secureCookies: boolean;
  /**
   * Tie each token to who is signed in (a session id, or a fixed word for nobody: never empty) with this key, so that a token made
   * for another browser's session, planted by a sibling site, does not pass. The secret itself always
   * lives in a signed, strict cookie: a page view by nobody in particular stores nothing on the server.
   */
  bindTo?: { hmacKey: string; userInfo: (request: FastifyRequest) => string };
}

/**
 * Guards the forms of a page scope: cross-origin posts are refused, posts need the page's token, and
 * pages get the token in each post form. The token's secret is a signed, HttpOnly, SameSite=Strict
 * cookie (the double-submit pattern), bound to the signed-in session when `bindTo` says how.
 */
export async function guardForms(app: FastifyInstance, options: FormGuardOptions) {
  const { bindTo } = options;
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: options.secureCookies },
    ...(bindTo ? { getUserInfo: bindTo.userInfo, csrfOpts: { hmacKey: bindTo.hmacKey } } : {}),
  });
  refuseCrossOrigin(app, options.ownOrigin);
  app.addHook('preValidation', (request, reply, done) => (STATE_CHANGING.has(request.method) ? app.csrfProtection(request, reply, done) : done()));
  app.addHook('preHandler', async (request: WithToken, reply) => {
    if (request.method === 'GET') request[TOKEN] = reply.generateCsrf(bindTo ? { userInfo: bindTo.userInfo(request) } : undefined);
  });
  app.addHook('onSend', async (request: WithToken, reply, payload) => {
    const token = request[TOKEN];
    if (!token || typeof payload !== 'string' || !String(reply.getHeader('content-type')).startsWith('text/html')) return payload;
    return payload.replace(POST_FORM, (form) => `${form}<input type="hidden" name="_csrf" value="${token}">`);
  });
}
