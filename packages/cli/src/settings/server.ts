// What every server command reads alike (where to listen, where the data lives, how much to log), and
// the defaults the commands share. Apart from the commands' own settings so that a command that only
// touches the data folder (backup) loads neither app.
import { databaseUrl, logLevel, text } from './read.js';

export const DEFAULTS = {
  host: '127.0.0.1',
  marketplacePort: 4010,
  publisherPort: 3000,
  productPort: 3100,
  dataDir: 'data',
} as const;

/** What every server command reads alike. */
export const SERVER_SETTINGS = {
  host: { flag: 'host', env: 'HOST', ...text(DEFAULTS.host) },
  dataDir: { flag: 'data-dir', env: 'DATA_DIR', ...text(DEFAULTS.dataDir) },
  databaseUrl,
  logLevel,
};

/** A host to print in a link: an address bound to every interface (0.0.0.0, ::) is opened as loopback. */
export function linkHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
