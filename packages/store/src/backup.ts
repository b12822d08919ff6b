// A consistent copy of an embedded SQLite store while the service that owns it keeps running: SQLite's
// online backup, which copies page by page and starts again if a write lands meanwhile, so the copy is
// the database as of one moment. PostgreSQL has its own tools (pg_dump); this is for the SQLite file.
import { existsSync } from 'node:fs';
import SQLite from 'better-sqlite3';

export interface BackupReport {
  /** Pages copied (the database's size in pages). */
  pages: number;
  bytes: number;
}

/** Copies the SQLite database at `source` to `destination` (which must not exist), and checks the copy. */
export async function backupSqlite(source: string, destination: string): Promise<BackupReport> {
  if (!existsSync(source)) throw new Error(`there is no database at ${source}`);
  if (existsSync(destination)) throw new Error(`${destination} exists already: choose a new file`);
  const connection = new SQLite(source, { fileMustExist: true });
  let pages: number;
  try {
    connection.pragma('busy_timeout = 5000');
    ({ totalPages: pages } = await connection.backup(destination));
  } finally {
    connection.close();
  }
  const copy = new SQLite(destination, { fileMustExist: true });
  try {
    // One self-contained file: no write-ahead log beside it (the service turns WAL on again when it opens it).
    copy.pragma('journal_mode = DELETE');
    const verdict = copy.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new Error(`the copy at ${destination} failed its integrity check: ${String(verdict)}`);
    const pageSize = Number(copy.pragma('page_size', { simple: true }));
    return { pages, bytes: pages * pageSize };
  } finally {
    copy.close();
  }
}
