// The sessions table behind @fastify/session: a session lives here, not in the cookie, so signing out
// deletes it and nothing an old cookie says can bring it back.
import { fromJson, toColumn, toJson } from '@saas-fulfillment/store';
import type { Kysely } from 'kysely';
import type { PublisherTables } from './schema.js';

export class SessionTable {
  constructor(private readonly db: Kysely<PublisherTables>) {}

  async get(id: string, now: string): Promise<unknown> {
    const row = await this.db.selectFrom('pub_sessions').select('data').where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
    return row && fromJson(row.data);
  }

  async set(id: string, data: unknown, expiresAt: string, admin: string | undefined): Promise<void> {
    const row = { data: toJson(data), expires_at: expiresAt, admin: toColumn(admin) };
    await this.db
      .insertInto('pub_sessions')
      .values({ id, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  /** Ends every console session but those of `keep` (the current password's, the listed users'); returns how many. */
  async revokeAdminsExcept(keep: readonly string[]): Promise<number> {
    let query = this.db.deleteFrom('pub_sessions').where('admin', 'is not', null);
    if (keep.length > 0) query = query.where('admin', 'not in', keep);
    return Number((await query.executeTakeFirst()).numDeletedRows);
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('pub_sessions').where('id', '=', id).execute();
  }

  /** Deletes the sessions that have expired; returns how many. */
  async purgeExpired(now: string): Promise<number> {
    const result = await this.db.deleteFrom('pub_sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
