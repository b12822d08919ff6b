// What `dev` generates for a newcomer who set no admin password or app key, kept in the data folder
// (owner-only) and reused on every later start.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileSafely } from '../files.js';
import { ConfigError } from './read.js';

export interface DevSecrets {
  adminPassword: string;
  appApiKey: string;
  file: string;
  /** True when this start generated them (they are printed then, and only then). */
  fresh: boolean;
}

/** The dev secrets from `<dataDir>/dev-secrets.json`, generated and written (owner-only) when missing. */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, 'dev-secrets.json');
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    if (typeof stored.adminPassword === 'string' && typeof stored.appApiKey === 'string')
      return { adminPassword: stored.adminPassword, appApiKey: stored.appApiKey, file, fresh: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError))
      throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const secrets = { adminPassword: randomBytes(12).toString('base64url'), appApiKey: randomBytes(18).toString('base64url') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSafely(file, `${JSON.stringify(secrets, null, 2)}\n`);
  return { ...secrets, file, fresh: true };
}
