// How the `saas-fulfillment` command starts. The servers (dev, marketplace, publisher) run from one bundle
// of the whole command line (scripts/bundle.mjs makes dist/saas-fulfillment.cjs) with a code cache
// (bundle.ts): a start reads one file and compiles almost nothing, where loading the ES modules one by one
// spends most of a second finding, reading and compiling them. The other commands load the handful of
// modules they need from main.js, which is quicker than any bundle.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVERS = ['dev', 'marketplace', 'publisher'];
const BUNDLE = fileURLToPath(new URL('saas-fulfillment.cjs', import.meta.url));

/** Runs the command line for `argv` (the arguments after the command's name). */
export async function launch(argv: readonly string[]): Promise<void> {
  // The bundle holds every command: which one runs is main's business, this only picks the faster load.
  if (argv.some((arg) => SERVERS.includes(arg)) && bundleIsCurrent()) (await import('./bundle.js')).runBundle(BUNDLE);
  else await import('./main.js');
}

/**
 * Whether the bundle holds the code as last compiled. In a checkout, `tsc -b` on its own (or in --watch)
 * compiles without bundling: a bundle older than any package's build info would run yesterday's code, so
 * the modules run instead. An installed package ships no build info: its bundle is its build.
 */
function bundleIsCurrent(): boolean {
  const bundled = modified(BUNDLE);
  if (bundled === undefined) return false;
  if (modified(fileURLToPath(new URL('.tsbuildinfo', import.meta.url))) === undefined) return true;
  const packages = fileURLToPath(new URL('../../', import.meta.url));
  return readdirSync(packages).every((name) => (modified(path.join(packages, name, 'dist/.tsbuildinfo')) ?? 0) <= bundled);
}

const modified = (file: string): number | undefined => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
