// Who may use the console: the configured password (kept only as a scrypt hash) or, for listed users,
// Entra ID sign-in. A console session is server-side (auth/sessions.ts) and holds which credential
// opened it, so a changed password or a user taken off the list ends the sessions they opened.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SessionTable } from '../store/sessions.js';
import { principalOf, type AdminSession } from './sessions.js';
import { PublisherErrors as E } from '../errors.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export class AdminAuth {
  private constructor(
    private readonly salt: Buffer,
    private readonly hash: Buffer,
    /** Names the current password without revealing it; sessions opened with another one are void. */
    private readonly credential: string,
    private readonly adminUsers: readonly string[],
  ) {}

  /**
   * Hashes the password once at start (the plain text is not kept) and ends the console sessions opened
   * with another password or by a user no longer listed: a revoked session stays revoked even if the old
   * password comes back.
   */
  static async start(password: string, options: { secret: string; adminUsers: readonly string[]; sessions: SessionTable }): Promise<AdminAuth> {
    if (password.length < 8) throw new Error('ADMIN_PASSWORD must be at least 8 characters');
    const salt = randomBytes(16);
    const credential = createHmac('sha256', options.secret).update(password).digest('base64url').slice(0, 22);
    const adminUsers = options.adminUsers.map((u) => u.toLowerCase());
    const auth = new AdminAuth(salt, await scryptAsync(password, salt, 32), credential, adminUsers);
    await options.sessions.revokeAdminsExcept([
      principalOf({ via: 'password', credential, label: '' }),
      ...adminUsers.map((email) => principalOf({ via: 'entra', email })),
    ]);
    return auth;
  }

  async passwordMatches(password: string): Promise<boolean> {
    return timingSafeEqual(await scryptAsync(password, this.salt, 32), this.hash);
  }

  mayUseConsole(email: string): boolean {
    return this.adminUsers.includes(email.toLowerCase());
  }

  get microsoftSignIn(): boolean {
    return this.adminUsers.length > 0;
  }

  /** Opens a console session in a new session id (a session id known before sign-in is worth nothing after). */
  async signIn(request: FastifyRequest, how: { via: 'password' } | { via: 'entra'; email: string }): Promise<string> {
    await request.session.regenerate(['user']);
    const admin: AdminSession =
      how.via === 'password' ? { via: 'password', credential: this.credential, label: randomBytes(3).toString('hex') } : { via: 'entra', email: how.email };
    request.session.set('admin', admin);
    return actorOf(admin);
  }

  async signOut(request: FastifyRequest): Promise<void> {
    await request.session.destroy();
  }

  /** The signed-in console user, as the audit log names them; undefined when there is none (or it was revoked). */
  actor(request: FastifyRequest): string | undefined {
    const admin = request.session.get('admin');
    if (!admin) return undefined;
    const valid = admin.via === 'password' ? admin.credential === this.credential : this.mayUseConsole(admin.email);
    return valid ? actorOf(admin) : undefined;
  }
}

const actorOf = (admin: AdminSession) => (admin.via === 'password' ? `console password (session ${admin.label})` : admin.email);

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is using the console (set for every route behind requireAdmin). */
    admin: string;
  }
}

/** Guards every route of `app` (a plugin scope) but the sign-in page: pages go to the form, the API gets 401. */
export function requireAdmin(app: FastifyInstance, auth: AdminAuth): void {
  if (!app.hasRequestDecorator('admin')) app.decorateRequest('admin', '');
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/admin/login') return;
    const actor = auth.actor(request);
    if (actor) {
      request.admin = actor;
      return;
    }
    if (path.startsWith('/api/')) throw E.signInFirst();
    return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
  });
}
