// Running the command line's bundle with a V8 code cache kept per user, as Node 22's module.enableCompileCache
// does for modules (Node 20 has no such thing): the first start writes what it compiled, later starts read it.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** The caches of this many builds are kept; older ones are removed when a new one is written. */
const CACHES_KEPT = 4;

/** Runs the bundle (a CommonJS file). */
export function runBundle(file: string): void {
  // The bundle is ASCII (scripts/bundle.mjs makes it so): read byte for byte, nothing to decode.
  const text = readFileSync(file, 'latin1');
  // The wrapper shares the first line, so line numbers in stack traces are the file's own.
  const source = `(function (exports, require, module, __filename, __dirname, __importModule) {${text}\n})`;
  const cache = cacheFile(text);
  const cachedData = cache ? readCache(cache.file, cache.bundleHash) : undefined;
  const script = new vm.Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cache && (!cachedData || script.cachedDataRejected)) writeCacheSoon(script, cache.file, cache.bundleHash);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file), importModule);
}

/**
 * The bundle's `import()`: each is a call to this (scripts/bundle.mjs), made here in an ES module, since
 * code read back from a code cache cannot import on Node 20. Specifiers resolve from the bundle's folder.
 */
const importModule = (specifier: string): Promise<unknown> => import(specifier);

/**
 * Where this build's code cache is kept: named by the hash of the code on the bundle's first line (V8
 * checks its own version and flags, but of the source only its length), in SAAS_FULFILLMENT_COMPILE_CACHE
 * or the user's cache folder; none if that is `off`, cannot be made, or is another user's or others may
 * write into it.
 */
function cacheFile(bundle: string): { file: string; bundleHash: Buffer } | undefined {
  const hash = /^\/\/ saas-fulfillment bundle ([0-9a-f]{64})\n/.exec(bundle)?.[1];
  const setting = process.env.SAAS_FULFILLMENT_COMPILE_CACHE;
  if (setting === 'off' || !hash) return undefined;
  let folder: string;
  try {
    // os.homedir() throws for a user with neither HOME nor an entry in the password file (a container
    // run as an arbitrary uid): no cache then.
    folder = setting || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'saas-fulfillment');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // Code run from a cache is code run: a folder someone else could write into is not used.
    const { uid, mode } = statSync(folder);
    if (!ownedOnlyByMe(uid, mode, 0o022)) return undefined;
  } catch {
    return undefined;
  }
  return { file: path.join(folder, `${hash.slice(0, 24)}-${process.version}-${process.arch}.v8cache`), bundleHash: Buffer.from(hash, 'hex') };
}

/**
 * A cache file: MAGIC, the sha256 of the bundle it was written for, the sha256 of V8's data, the data.
 * V8 checks of a source only its length, so the hashes say what the data was made from.
 */
const MAGIC = Buffer.from('sfcache2');
const HEADER = MAGIC.length + 64;

/** Whether a file or folder is this user's and nobody else may write it (`others`: the mode bits that must be clear). */
const ownedOnlyByMe = (uid: number, mode: number, others: number) => !process.getuid || (uid === process.getuid() && (mode & others) === 0);

/**
 * V8's data from a cache written for this very bundle, by this user, readable by no one else (0600), never
 * through a link; undefined for anything else, which the start then writes anew.
 */
function readCache(file: string, bundleHash: Buffer): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stat = fstatSync(fd);
    if (!stat.isFile() || !ownedOnlyByMe(stat.uid, stat.mode, 0o077)) return undefined;
    const bytes = readFileSync(fd);
    const data = bytes.subarray(HEADER);
    const fits =
      bytes.subarray(0, MAGIC.length).equals(MAGIC) &&
      bytes.subarray(MAGIC.length, MAGIC.length + 32).equals(bundleHash) &&
      bytes.subarray(MAGIC.length + 32, HEADER).equals(sha256(data));
    return fits ? data : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/**
 * Writes the cache once the start is over (a second in, or at exit if sooner), so it holds the functions
 * the start compiled and not only the file's top level. Written beside and renamed over: parallel starts
 * never read half a cache. Failing to write costs the next start its speed, nothing else.
 */
function writeCacheSoon(script: vm.Script, file: string, bundleHash: Buffer): void {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    try {
      const data = script.createCachedData();
      // A new file of our own (exclusive: never one planted under the name, never through a link).
      const partial = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(partial, Buffer.concat([MAGIC, bundleHash, sha256(data), data]), { mode: 0o600, flag: 'wx' });
      renameSync(partial, file);
      removeOldCaches(path.dirname(file));
    } catch {
      // A full disk or a read-only home: the next start compiles again.
    }
  };
  setTimeout(write, 1000).unref();
  process.once('exit', write);
}

function removeOldCaches(folder: string): void {
  const caches = readdirSync(folder)
    .filter((name) => name.endsWith('.v8cache'))
    .map((name) => ({ file: path.join(folder, name), modified: statSync(path.join(folder, name)).mtimeMs }))
    .sort((a, b) => b.modified - a.modified);
  for (const { file } of caches.slice(CACHES_KEPT)) rmSync(file, { force: true });
}
