// Telling "the database is away for now" from a fault in our own queries. A dropped or refused connection
// (a restart, a network cut, a failover) is the first: the request that met it answers 503 with
// Retry-After and the caller comes back (Microsoft retries its webhooks; the vendor's app its usage), where
// a fault is a 500 that someone must read.

/** Socket errors a lost or unreachable server gives. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * PostgreSQL's SQLSTATEs for the same: class 08 (connection exception), 57P01-57P03 (the server shutting
 * down or not accepting connections yet), 53300 (too many connections). SQLITE_BUSY: the file is locked
 * past the busy timeout by another process.
 */
const SERVER_CODES = /^(08\w{3}|57P0[123]|53300|SQLITE_BUSY)$/;

/** node-postgres' own words for a connection that ended or never came (its errors carry no code). */
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

/**
 * Whether `error` says the database cannot be reached now. Only the error itself is read: the drivers throw
 * these as they are, while an error that merely wraps a refused connection (a call to the marketplace
 * that found it down) is about something else and must not be called a database outage.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.test(code))) return true;
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}
