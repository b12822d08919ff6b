// Server-side sessions (@fastify/session) kept in the publisher's database: the cookie carries only a
// signed random id. Signing out deletes the row, so an old cookie opens nothing, and a session says who
// signed in (the console's actions are written to the audit log in that name).
import session, { type SessionStore } from '@fastify/session';
import type { FastifyInstance, Session } from 'fastify';
import type { SignedInUser } from './oidc.js';
import type { SessionTable } from '../store/sessions.js';

/**
 * How a console user signed in: with the password (`credential` names which one) or with Entra ID, as the
 * user `tenantId`/`objectId` (the stable identity; the e-mail is only shown).
 */
export type AdminSession = { via: 'password'; credential: string; label: string } | { via: 'entra'; tenantId: string; objectId: string; email: string };

declare module 'fastify' {
  interface Session {
    admin?: AdminSession;
    user?: SignedInUser;
  }
}

/** Whose console session it is, as the sessions table records it for revocation. */
export const principalOf = (admin: AdminSession) => (admin.via === 'password' ? `password:${admin.credential}` : `entra:${entraKey(admin)}`);

/** An Entra user as the console knows them: `tenantId/objectId`, in lower case. */
export const entraKey = (user: { tenantId: string; objectId: string }) => `${user.tenantId.toLowerCase()}/${user.objectId.toLowerCase()}`;

const SESSION_COOKIE = 'session';
const SESSION_MS = 8 * 60 * 60_000;

/**
 * The table as @fastify/session's store. Expiry is in real time, as the plugin counts it (sessions,
 * like access tokens, do not follow a simulated business clock).
 */
function storeOn(table: SessionTable): SessionStore {
  const now = () => new Date().toISOString();
  return {
    set(id, data, done) {
      const expires = data.cookie.expires ? new Date(data.cookie.expires) : new Date(Date.now() + SESSION_MS);
      // Sessions are written only when someone signs in: a fine moment to drop the expired ones.
      table
        .purgeExpired(now())
        .then(() => table.set(id, data, expires.toISOString(), data.admin && principalOf(data.admin)))
        .then(() => done(), done);
    },
    get(id, done) {
      table.get(id, now()).then((data) => done(null, (data as Session | undefined) ?? null), done);
    },
    destroy(id, done) {
      table.destroy(id).then(() => done(), done);
    },
  };
}

export async function registerSessions(app: FastifyInstance, options: { table: SessionTable; secret: string; secure: boolean }): Promise<void> {
  await app.register(session, {
    secret: options.secret,
    cookieName: SESSION_COOKIE,
    // Lax so that the return from Microsoft's sign-in carries it; forms are guarded by CSRF tokens.
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, path: '/', maxAge: SESSION_MS },
    store: storeOn(options.table),
    saveUninitialized: false,
    rolling: false,
  });
}
