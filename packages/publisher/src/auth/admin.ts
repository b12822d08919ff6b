// Who may use the console: the configured password (kept only as a scrypt hash) or, for listed users,
// Entra ID sign-in. A console session is server-side (auth/sessions.ts) and holds which credential
// opened it, so a changed password or a user taken off the list ends the sessions they opened.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SessionTable } from '../store/sessions.js';
import type { SettingsTable } from '@saas-fulfillment/store';
import { entraKey, principalOf, type AdminSession } from './sessions.js';
import { PublisherErrors as E } from '../errors.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number }) => Promise<Buffer>;
/** scrypt's cost (N) unless told otherwise: Node's default, 16 MiB and tens of milliseconds a guess. */
const HASH_COST = 16_384;

/** An ADMIN_OIDC_USERS entry that names a user by their stable identity, `tenantId/objectId`. */
const IDENTITY_ENTRY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Where the identity an e-mail entry was first used by is kept (pub_settings). */
const BINDING = (email: string) => `admin-identity:${email}`;

/** What a sign-in with Entra comes to: a console session, or why not. */
export type EntraAdmission = { admitted: true; session: Extract<AdminSession, { via: 'entra' }>; firstUseOf?: string } | { admitted: false; reason: string };

export class AdminAuth {
  private constructor(
    private readonly salt: Buffer,
    private readonly hash: Buffer,
    /** Names the current password without revealing it; sessions opened with another one are void. */
    private readonly credential: string,
    /** Users listed by identity (`tenantId/objectId`). */
    private readonly identities: ReadonlySet<string>,
    /**
     * Users listed by e-mail (the older form), each with the identity that first signed in with it: an
     * e-mail claim is not an identity Microsoft lets one authorize by, so after its first use an entry
     * admits that identity only.
     */
    private readonly emails: Map<string, string | undefined>,
    private readonly settings: SettingsTable,
    private readonly hashCost: number,
  ) {}

  /**
   * Hashes the password once at start (the plain text is not kept) and ends the console sessions opened
   * with another password or by a user no longer listed: a revoked session stays revoked even if the old
   * password comes back.
   */
  static async start(
    password: string,
    options: { secret: string; adminUsers: readonly string[]; sessions: SessionTable; settings: SettingsTable; hashCost?: number | undefined },
  ): Promise<AdminAuth> {
    if (password.length < 8) throw new Error('ADMIN_PASSWORD must be at least 8 characters');
    const salt = randomBytes(16);
    const credential = createHmac('sha256', options.secret).update(password).digest('base64url').slice(0, 22);
    const entries = options.adminUsers.map((u) => u.trim().toLowerCase()).filter(Boolean);
    const identities = new Set(entries.filter((entry) => IDENTITY_ENTRY.test(entry)));
    const emails = new Map<string, string | undefined>();
    for (const email of entries.filter((entry) => !IDENTITY_ENTRY.test(entry))) emails.set(email, await options.settings.get(BINDING(email)));
    const cost = options.hashCost ?? HASH_COST;
    const auth = new AdminAuth(salt, await scryptAsync(password, salt, 32, { N: cost }), credential, identities, emails, options.settings, cost);
    await options.sessions.revokeAdminsExcept([principalOf({ via: 'password', credential, label: '' }), ...[...auth.allowed()].map((key) => `entra:${key}`)]);
    return auth;
  }

  async passwordMatches(password: string): Promise<boolean> {
    return timingSafeEqual(await scryptAsync(password, this.salt, 32, { N: this.hashCost }), this.hash);
  }

  /** Whether an Entra user may use the console: listed by identity, or by an e-mail entry not yet used by someone else. */
  async admit(user: { email: string; tenantId: string | undefined; objectId: string | undefined }): Promise<EntraAdmission> {
    if (!user.tenantId || !user.objectId) return { admitted: false, reason: 'Microsoft sent no tenant and object id for this account' };
    const session = { via: 'entra' as const, tenantId: user.tenantId.toLowerCase(), objectId: user.objectId.toLowerCase(), email: user.email };
    const key = entraKey(session);
    if (this.identities.has(key)) return { admitted: true, session };
    const email = user.email.toLowerCase();
    if (!this.emails.has(email)) return { admitted: false, reason: `${user.email} may not use the console` };
    const bound = this.emails.get(email) ?? (await this.settings.setOnce(BINDING(email), key));
    this.emails.set(email, bound);
    if (bound !== key) return { admitted: false, reason: `${user.email} may not use the console from this account` };
    return { admitted: true, session, firstUseOf: email };
  }

  get microsoftSignIn(): boolean {
    return this.identities.size + this.emails.size > 0;
  }

  /** Opens a console session in a new session id (a session id known before sign-in is worth nothing after). */
  async signIn(request: FastifyRequest, how: { via: 'password' } | Extract<AdminSession, { via: 'entra' }>): Promise<string> {
    await request.session.regenerate(['user']);
    const admin: AdminSession = how.via === 'password' ? { via: 'password', credential: this.credential, label: randomBytes(3).toString('hex') } : how;
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
    // A session from before identities were kept (an e-mail alone) is void: its user signs in again.
    const valid = admin.via === 'password' ? admin.credential === this.credential : admin.objectId !== undefined && this.allowed().has(entraKey(admin));
    return valid ? actorOf(admin) : undefined;
  }

  /** The identities that may use the console now: listed ones, and those e-mail entries were first used by. */
  private allowed(): Set<string> {
    return new Set([...this.identities, ...[...this.emails.values()].filter((key) => key !== undefined)]);
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
