// Security headers. Every answer of both apps: nosniff, a policy that lets nothing run or frame it, no
// referrer (apiHeaders). The pages' contexts add @fastify/helmet's document protections and one
// Content-Security-Policy: no inline script at all, the pages' one stylesheet allowed by its hash, scripts
// and forms from the app's own origin only, and no framing.
import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { STYLE } from './html.js';

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * The policy every page is sent with. `formTargets` adds origins a form may lead to: a sign-in form whose
 * answer redirects to another site (browsers hold that redirect to `form-action` too).
 */
export function contentSecurityPolicy(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    "script-src 'self'",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    `form-action 'self'${formTargets.map((origin) => ` ${origin}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * Helmet's headers and the policy above; `hsts` for an app served over https (the publisher in
 * production); `formTargets` for pages whose forms lead to another site (the simulator's "Configure
 * account now" redirects to the publisher's landing page).
 */
export async function securityHeaders(app: FastifyInstance, options: { hsts: boolean; formTargets?: () => readonly string[] }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    hsts: options.hsts ? { maxAge: 31_536_000 } : false,
    referrerPolicy: { policy: 'same-origin' },
  });
  // Pages get the full policy (worked out when one is sent: the form targets may change at run time);
  // anything else a fixed one that forbids everything, which costs nothing per answer.
  // A page whose route set a policy of its own (the sign-in page, whose form leads to the app's redirect
  // URI) keeps it.
  app.addHook('onSend', (_request, reply, payload, done) => {
    const page = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    const own = reply.getHeader('content-security-policy');
    if (!(page && typeof own === 'string' && own !== NOT_A_PAGE))
      reply.header('content-security-policy', page ? contentSecurityPolicy(options.formTargets?.()) : NOT_A_PAGE);
    done(null, payload);
  });
}

const NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'";

/** What a JSON API answer carries: never sniffed as a page, nothing in it may run or be framed. */
const API_HEADERS = { 'x-content-type-options': 'nosniff', 'content-security-policy': NOT_A_PAGE, 'referrer-policy': 'no-referrer' } as const;

/**
 * Headers for a context of service-to-service JSON APIs, set in one step. Helmet's document protections
 * are for pages a browser renders; per answer they cost as much as the rest of a cached read.
 */
export function apiHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(API_HEADERS);
    done();
  });
}
