// The databases tests run against: the embedded SQLite file always, and PostgreSQL on 127.0.0.1:5432
// (database `test`) when it answers. Under CI=true PostgreSQL must answer: a green run means both ran.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dropSchema, type DialectName } from '@saas-fulfillment/store';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | undefined;

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The dialects to test; throws under CI when PostgreSQL is down, so nothing is skipped silently.
 * TEST_DIALECTS=sqlite keeps to the embedded store (`npm run test:unit`, the quick loop).
 */
export async function testDialects(): Promise<DialectName[]> {
  if (process.env.TEST_DIALECTS === 'sqlite') return ['sqlite'];
  reachable ??= postgresAnswers();
  if (await reachable) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL}; CI requires it`);
  return ['sqlite'];
}

export interface TestLocation {
  dataDir: string;
  databaseUrl: string | undefined;
  schema: string | undefined;
  cleanup(): Promise<void>;
}

/** A fresh place for one test's data: a temp folder, and for PostgreSQL a schema of its own. */
export function testLocation(dialect: DialectName): TestLocation {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'saas-test-'));
  const schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : undefined;
  return {
    dataDir,
    databaseUrl: dialect === 'postgres' ? POSTGRES_URL : undefined,
    schema,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) await dropSchema(POSTGRES_URL, schema);
    },
  };
}
