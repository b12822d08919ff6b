// Opens the project's database on either dialect (embedded SQLite file, or PostgreSQL from a URL) and
// runs a part's migrations. Everything above this module speaks Kysely and never asks which dialect it has.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type DatabaseIntrospector, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type SqliteDatabase } from 'kysely';
import { eachAlone, groupCommit, type Transact } from './group-commit.js';
import { OwnSchemaIntrospector } from './introspector.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** `postgres://...` selects PostgreSQL; anything else (or nothing) the embedded SQLite file. */
  databaseUrl?: string | undefined;
  /** Folder of the SQLite file (created if missing). */
  dataDir: string;
  /** SQLite file name inside `dataDir`. */
  fileName: string;
  /** SQLite in memory: no file, nothing kept after the process ends (test suites). */
  inMemory?: boolean | undefined;
  /** PostgreSQL schema to work in (created if missing); lets tests and parts share one database. */
  schema?: string | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Told when an idle PostgreSQL connection is lost (the server restarted, the network cut): for the log. */
  onConnectionLost?: ((error: Error) => void) | undefined;
}

export interface Database<Tables> {
  readonly db: Kysely<Tables>;
  readonly dialect: DialectName;
  /** Where the data lives, for start-up messages (never includes a password). */
  readonly location: string;
  /** PostgreSQL schema the tables live in (migrations look for their own tables there only). */
  readonly schema: string | undefined;
  /** How the repositories run their transactions on this dialect (grouped commits on SQLite). */
  readonly transact: Transact<Tables>;
  close(): Promise<void>;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

export async function openDatabase<Tables>(options: DatabaseOptions): Promise<Database<Tables>> {
  return isPostgresUrl(options.databaseUrl) ? openPostgres<Tables>(options.databaseUrl, options) : openSqlite<Tables>(options);
}

function openSqlite<Tables>(options: DatabaseOptions): Database<Tables> {
  let file = ':memory:';
  if (!options.inMemory) {
    mkdirSync(options.dataDir, { recursive: true });
    file = path.join(options.dataDir, options.fileName);
  }
  const connection = new SQLite(file);
  // WAL lets readers run beside the writer; synchronous=FULL makes each commit durable on disk before
  // it returns, which is what "durable before acknowledged" means for a billing record.
  if (!options.inMemory) connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = FULL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return {
    db,
    dialect: 'sqlite',
    location: options.inMemory ? 'in memory (nothing is kept)' : file,
    schema: undefined,
    transact: groupCommit(db),
    close: () => db.destroy(),
  };
}

const STATEMENT_CACHE_LIMIT = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running a keyed lookup, so prepared
 * statements are kept by SQL text. Queries run one at a time on this connection, so reuse is safe.
 */
function withStatementCache(connection: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => connection.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_LIMIT) statements.clear();
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

async function openPostgres<Tables>(url: string, options: DatabaseOptions): Promise<Database<Tables>> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
  const pool = new (await postgresDriver()).Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A server that does not answer is given up on (the request answers 503) instead of waited for forever,
    // and a connection whose peer vanished is noticed by TCP keepalive.
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A connection that drops emits 'error': on the pool while idle, on the client while checked out. Either
  // unheard would end the process. The pool discards it and opens a new one for the next query; a query
  // that was on it fails (the request answers 503), so the checked-out case needs no report of its own.
  pool.on('error', (error) => options.onConnectionLost?.(error));
  pool.on('connect', (client) => client.on('error', () => undefined));
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const db = new Kysely<Tables>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  const location = redactUrl(url) + (schema ? ` (schema ${schema})` : '');
  const current = schema ?? (await pool.query<{ schema: string }>('select current_schema() as schema')).rows[0]?.schema;
  return { db, dialect: 'postgres', location, schema: current, transact: eachAlone(db), close: () => db.destroy() };
}

/** PostgreSQL as Kysely speaks it, except that what the migrator reads of the catalog stays in our schema. */
class OwnSchemaPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

/** A database URL fit for a log line: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

/**
 * Runs the part's migrations in order, each once; throws with the failing migration's name. Migrations
 * are forward-only: a database that has run a migration this code does not know was written by a newer
 * version, and is refused rather than used with a schema this code was not written for.
 */
export async function migrate<Tables>(database: Database<Tables>, migrations: Record<string, Migration>, tableName: string): Promise<void> {
  const unknown = (await executedMigrations(database, `${tableName}_migration`)).filter((name) => !(name in migrations));
  if (unknown.length > 0) throw new NewerSchemaError(unknown, Object.keys(migrations).sort().at(-1) ?? 'none');
  const migrator = new Migrator({
    db: database.db,
    // Kysely looks for its bookkeeping tables by name; in a shared database only our schema's count.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${tableName}_migration`,
    migrationLockTableName: `${tableName}_migration_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The database was migrated by a newer version than this one. */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError';
  constructor(unknown: string[], latestKnown: string) {
    super(
      `the database was written by a newer version of saas-fulfillment (it has run migration ${unknown.join(', ')}; this version knows up to ${latestKnown}): ` +
        'run that version or a later one, or restore the backup taken before the upgrade',
    );
  }
}

/** The names of the migrations the database has run (none when it has never been migrated). */
async function executedMigrations<Tables>(database: Database<Tables>, table: string): Promise<string[]> {
  const qualified = database.schema ? `${database.schema}.${table}` : table;
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(qualified)}`.execute(database.db);
    return rows.map((row) => row.name);
  } catch (error) {
    if (/no such table|does not exist/.test(String(error))) return [];
    throw error;
  }
}

/** Drops a PostgreSQL schema and everything in it (tests clean up after themselves). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const pool = new (await postgresDriver()).Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await pool.end();
  }
}

export { sql };

/** Opens the database and brings a part's tables up to date; closes it again if that fails. */
export async function openMigrated<Tables>(options: DatabaseOptions, migrations: Record<string, Migration>, prefix: string): Promise<Database<Tables>> {
  const database = await openDatabase<Tables>(options);
  try {
    await migrate(database, migrations, prefix);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** The PostgreSQL driver, loaded only when PostgreSQL is used: a process on SQLite never pays for it. */
async function postgresDriver(): Promise<typeof import('pg')['default']> {
  return (await import('pg')).default;
}
