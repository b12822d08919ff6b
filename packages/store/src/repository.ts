// The skeleton both apps' repositories share: a transaction that binds the repository to one connection,
// the row-lock idiom, a key-value settings table, and how booleans, JSON and absent values are stored.
import { sql, type Kysely, type QueryExecutorProvider } from 'kysely';
import type { DialectName } from './database.js';
import { eachAlone, type Transact } from './group-commit.js';

export abstract class Repository<Tables, Self> {
  protected constructor(
    protected readonly db: Kysely<Tables>,
    readonly dialect: DialectName,
    /** The database's way of running transactions (`Database.transact`); one per call if not given. */
    protected readonly transact: Transact<Tables> = eachAlone(db),
  ) {}

  /** This repository on another connection (a transaction's). */
  protected abstract on(db: Kysely<Tables>): Self;

  /**
   * Runs `work` in one transaction: all of its writes land together or none do, and they are durable
   * when it resolves. `work` must not wait on another transaction (on SQLite it would wait for itself).
   */
  transaction<T>(work: (store: Self) => Promise<T>): Promise<T> {
    return this.transact((trx) => work(this.on(trx)));
  }

  /** A cheap query that proves the database answers (readiness). */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** The table that records this part's migrations, and the migrations this code knows (none: no check). */
  protected migrationBook(): { table: string; names: readonly string[] } | undefined {
    return undefined;
  }

  /**
   * Why the database's tables are not the ones this code was written for, or undefined (readiness): a
   * migration this code knows that has not run, or one it does not know (a newer version ran it since).
   */
  async schemaProblem(): Promise<string | undefined> {
    const book = this.migrationBook();
    if (!book) return undefined;
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(book.table)}`.execute(this.db);
    const ran = new Set(rows.map((row) => row.name));
    const unknown = [...ran].filter((name) => !book.names.includes(name));
    if (unknown.length > 0) return `a newer version migrated the database (${unknown.join(', ')}): run that version or a later one`;
    const missing = book.names.filter((name) => !ran.has(name));
    return missing.length > 0 ? `migrations not run: ${missing.join(', ')}` : undefined;
  }

  /**
   * Keeps the rows a select reads locked until the transaction ends. PostgreSQL needs `FOR UPDATE`;
   * SQLite runs one write transaction at a time, so the rows are already ours there.
   */
  protected locking<Query extends { forUpdate(): Query }>(query: Query): Query {
    return this.dialect === 'postgres' ? query.forUpdate() : query;
  }
}

/** A key-value table (`key` text primary key, `value` text): signing keys, secrets, run-time settings. */
export class SettingsTable {
  constructor(
    private readonly db: QueryExecutorProvider,
    private readonly table: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const { rows } = await sql<{ value: string }>`select value from ${sql.table(this.table)} where key = ${key}`.execute(this.db);
    return rows[0]?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await sql`insert into ${sql.table(this.table)} (key, value) values (${key}, ${value}) on conflict (key) do update set value = excluded.value`.execute(
      this.db,
    );
  }

  /** Stores `value` unless the key already has one; returns the value stored now (racing writers agree). */
  async setOnce(key: string, value: string): Promise<string> {
    await sql`insert into ${sql.table(this.table)} (key, value) values (${key}, ${value}) on conflict (key) do nothing`.execute(this.db);
    return (await this.get(key)) ?? value;
  }
}

/** Booleans are integer columns (0/1) on both dialects; drivers may hand them back as strings. */
export const toFlag = (value: boolean): number => (value ? 1 : 0);
export const fromFlag = (value: number | string | boolean): boolean => Number(value) === 1;

/** Optional values are NULL in a column and undefined in a record. */
export const toColumn = <T>(value: T | undefined): T | null => value ?? null;
export const fromColumn = <T>(value: T | null): T | undefined => value ?? undefined;

/** A JSON document in a text column, typed by what it holds. */
export type Json<T> = string & { readonly __holds?: T };
export const toJson = <T>(value: T): Json<T> => JSON.stringify(value) as Json<T>;
export const fromJson = <T>(text: Json<T>): T => JSON.parse(text) as T;
