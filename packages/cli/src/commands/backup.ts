// `saas-fulfillment publisher backup <file>` and `marketplace backup <file>`: a consistent copy of the
// embedded SQLite store, taken while the service runs. A PostgreSQL store is backed up with pg_dump.
import path from 'node:path';
import { ConfigError, readSettings, type Flags } from '../settings/read.js';
import { SERVER_SETTINGS } from '../settings/server.js';

const FILES = { publisher: 'publisher.sqlite', marketplace: 'marketplace.sqlite' } as const;

/** Copies the part's SQLite file under the data folder to `positionals[0]`; prints what it copied. */
export async function backupStore(part: keyof typeof FILES, flags: Flags, positionals: string[]): Promise<number> {
  const [destination, ...rest] = positionals;
  if (destination === undefined || rest.length > 0)
    throw new ConfigError(`${part} backup takes one argument: the file to write, such as backup-2026-12-05.sqlite`);
  const { dataDir, databaseUrl } = readSettings({ dataDir: SERVER_SETTINGS.dataDir, databaseUrl: SERVER_SETTINGS.databaseUrl }, flags, process.env);
  if (databaseUrl !== undefined)
    throw new ConfigError(`DATABASE_URL names PostgreSQL: back it up with pg_dump (docs/deploy.md, Backups); ${part} backup copies the SQLite file`);
  const { backupSqlite } = await import('@saas-fulfillment/store');
  const source = path.join(dataDir, FILES[part]);
  const report = await backupSqlite(source, destination).catch((error: Error) => {
    throw new ConfigError(error.message);
  });
  process.stdout.write(`Backed up ${source} to ${destination}: ${(report.bytes / 1e6).toFixed(1)} MB, integrity checked\n`);
  return 0;
}
