// How the `saas-fulfillment` command starts. The servers (dev, marketplace, publisher) run from one bundle
// of the whole command line (scripts/bundle.mjs makes dist/saas-fulfillment.cjs) with a code cache
// (bundle.ts): a start reads one file and compiles almost nothing, where loading the ES modules one by one
// spends most of a second finding, reading and compiling them. The other commands load the handful of
// modules they need from main.js, which is quicker than any bundle.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SERVERS = ['dev', 'marketplace', 'publisher'];
const BUNDLE = fileURLToPath(new URL('saas-fulfillment.cjs', import.meta.url));

/** Runs the command line for `argv` (the arguments after the command's name). */
export async function launch(argv: readonly string[]): Promise<void> {
  // The bundle holds every command: which one runs is main's business, this only picks the faster load.
  if (argv.some((arg) => SERVERS.includes(arg)) && existsSync(BUNDLE)) (await import('./bundle.js')).runBundle(BUNDLE);
  else await import('./main.js');
}
