// Admin sign-in: a configured password kept only as a scrypt hash, a signed, HTTP-only, same-site session
// cookie, and a brake on repeated wrong guesses. The console is never open without a password.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '@saas-fulfillment/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const SESSION_COOKIE = 'admin_session';
const SESSION_MS = 8 * 60 * 60_000;
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;

export class AdminAuth {
  private readonly failures = new Map<string, { count: number; since: number }>();

  private constructor(
    private readonly salt: Buffer,
    private readonly hash: Buffer,
    private readonly clock: Clock,
  ) {}

  /** Hashes the password once at start; the plain text is not kept. */
  static async fromPassword(password: string, clock: Clock): Promise<AdminAuth> {
    if (password.length < 8) throw new Error('ADMIN_PASSWORD must be at least 8 characters');
    const salt = randomBytes(16);
    return new AdminAuth(salt, await scryptAsync(password, salt, 32), clock);
  }

  /** Checks a password; false as well while `client` is braked for too many wrong guesses. */
  async check(password: string, client: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const record = this.failures.get(client);
    if (record && now - record.since < FAILURE_WINDOW_MS && record.count >= MAX_FAILURES) return false;
    const candidate = await scryptAsync(password, this.salt, 32);
    const ok = timingSafeEqual(candidate, this.hash);
    if (ok) this.failures.delete(client);
    else
      this.failures.set(client, record && now - record.since < FAILURE_WINDOW_MS ? { count: record.count + 1, since: record.since } : { count: 1, since: now });
    return ok;
  }

  startSession(reply: FastifyReply, secure: boolean): void {
    reply.setCookie(SESSION_COOKIE, String(this.clock.now().getTime() + SESSION_MS), {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge: SESSION_MS / 1000,
    });
  }

  endSession(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  isSignedIn(request: FastifyRequest): boolean {
    const raw = request.cookies[SESSION_COOKIE];
    if (!raw) return false;
    const { valid, value } = request.unsignCookie(raw);
    return valid && value !== null && Number(value) > this.clock.now().getTime();
  }
}

/** Guards every route of `app` (a plugin scope) but the sign-in page: pages go to the form, the API gets 401. */
export function requireAdmin(app: FastifyInstance, auth: AdminAuth): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/admin/login' || auth.isSignedIn(request)) return;
    if (path.startsWith('/api/')) return reply.status(401).send({ code: 'Unauthorized', message: 'Sign in at /admin/login first' });
    return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
  });
}

/** Only console paths are followed after signing in (no open redirect). */
export function consolePath(next: string | undefined): string {
  return next?.startsWith('/admin') && !next.startsWith('//') ? next : '/admin';
}
