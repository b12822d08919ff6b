// How the commands read their settings: each command states its settings once, as a schema (which flag
// and which environment variable set each one, how its text is read, and its default), and reads flags
// and environment together through it; a bad value is a ConfigError naming the flag or variable.

/** A setting the user got wrong: the command exits with code 2 and this message, which names the flag or variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Flags = Record<string, string | boolean | undefined>;
export type Env = Record<string, string | undefined>;

/** One setting: the flag and/or variable that set it (the flag wins), how its text is read, and its value when unset. */
export interface Setting<T> {
  flag?: string;
  env?: string;
  read: (text: string, name: string) => T;
  fallback: T;
}

/** A command's settings schema. */
export type Schema = Record<string, Setting<unknown>>;
export type SettingsOf<S extends Schema> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Reads every setting of `schema` from the flags and the environment, in one pass. */
export function readSettings<S extends Schema>(schema: S, flags: Flags, env: Env): SettingsOf<S> {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(schema)) {
    const fromFlag = setting.flag === undefined ? undefined : stringFlag(flags, setting.flag);
    const fromEnv = setting.env === undefined ? undefined : env[setting.env]?.trim() || undefined;
    if (fromFlag !== undefined) values[key] = setting.read(fromFlag, `--${setting.flag}`);
    else if (fromEnv !== undefined) values[key] = setting.read(fromEnv, setting.env ?? '');
    else values[key] = setting.fallback;
  }
  return values as SettingsOf<S>;
}

// The readers settings are built from.

/** A setting taken as written. */
export const text = <T extends string | undefined>(fallback: T): Setting<string | T> => ({ read: (value) => value, fallback });

/** A flag's string value; a flag given without one is refused. */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigError(`--${name} needs a value`);
  return value;
}

export const port = (fallback: number): Setting<number> => ({
  read(value, name) {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number > 65535) throw new ConfigError(`${name} must be a port number from 0 to 65535; got '${value}'`);
    return number;
  },
  fallback,
});

/** The shortest key or token a setting takes: 16 random characters are beyond guessing over HTTP. */
export const MIN_KEY_LENGTH = 16;

/** A key or token: at least MIN_KEY_LENGTH characters. */
export function keyText(value: string, name: string): string {
  if (value.length < MIN_KEY_LENGTH)
    throw new ConfigError(`${name} must be at least ${MIN_KEY_LENGTH} characters (make one with: openssl rand -base64 24); it has ${value.length}`);
  return value;
}

export const key: Setting<string | undefined> = { read: keyText, fallback: undefined };

/** An absolute http(s) URL. */
export function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL; got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL; got '${value}'`);
  return value;
}

export const url: Setting<string | undefined> = { read: httpUrl, fallback: undefined };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const logLevel: Setting<string> = {
  flag: 'log-level',
  env: 'LOG_LEVEL',
  read(value, name) {
    if (!LOG_LEVELS.includes(value)) throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}; got '${value}'`);
    return value;
  },
  fallback: 'info',
};

export const databaseUrl: Setting<string | undefined> = {
  env: 'DATABASE_URL',
  read(value, name) {
    if (!/^postgres(ql)?:\/\//.test(value)) throw new ConfigError(`${name} must be a postgres:// URL (leave it unset for the embedded SQLite store)`);
    return value;
  },
  fallback: undefined,
};

export const boolean = (fallback: boolean): Setting<boolean> => ({
  read(value, name) {
    const lower = value.toLowerCase();
    if (lower === 'false' || lower === '0') return false;
    if (lower === 'true' || lower === '1') return true;
    throw new ConfigError(`${name} must be true or false; got '${value}'`);
  },
  fallback,
});

/** A flag that is on or off (no value). */
export const switchedOn = (flags: Flags, name: string): boolean => flags[name] === true;
