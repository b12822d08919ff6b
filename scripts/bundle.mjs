// Bundles the built command line (packages/cli/dist/main.js and everything it imports) into one CommonJS
// file, packages/cli/dist/saas-fulfillment.cjs, which the `saas-fulfillment` command runs its servers from
// (packages/cli/src/launch.ts). Loading one file with a compile cache takes a fraction of the time Node
// spends finding, reading and compiling some 800 ES modules one by one. `npm run build` runs it after tsc.
//
//   node scripts/bundle.mjs                        BUNDLE_SOURCEMAP=1 also writes its source map, to read
//                                                  a CPU profile of a start by the project's own files
import { build } from 'esbuild';
import { init as lexerReady, parse as findImports } from 'es-module-lexer';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const cli = path.resolve('packages/cli');
const outfile = path.join(cli, 'dist/saas-fulfillment.cjs');

// Left out of the bundle, loaded from node_modules when used: native addons, and packages that only other
// commands or options need (the publisher's documentation pages and metrics, tracing, HTTPS certificates,
// PostgreSQL, YAML seeds), so that the emulator does not read them at every start. The bundle requires them
// from its own folder, so each must be a dependency of the cli package (checked below; knip.json names
// those the cli's own source never imports, which knip cannot see the bundle use).
const LEFT_OUT = [
  'better-sqlite3',
  'pg',
  'undici',
  '@peculiar/x509',
  'yaml',
  'prom-client',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  '@fastify/otel',
  '@opentelemetry/*',
];

const { dependencies } = JSON.parse(readFileSync(path.join(cli, 'package.json'), 'utf8'));
const undeclared = LEFT_OUT.filter(
  (name) => !Object.keys(dependencies).some((dependency) => dependency === name || (name.endsWith('/*') && dependency.startsWith(name.slice(0, -1)))),
);
if (undeclared.length > 0) throw new Error(`packages/cli/package.json must depend on what the bundle leaves out: ${undeclared.join(', ')}`);

const result = await build({
  entryPoints: [path.join(cli, 'dist/main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: LEFT_OUT,
  // Whitespace and syntax only: function names stay as written, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  // `createRequire(import.meta.url)('../package.json')` reads the cli package's version from the bundle,
  // one folder down as dist/main.js is; every package has the same version (changesets "fixed").
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  sourcemap: process.env.BUNDLE_SOURCEMAP ? 'external' : false,
  write: false,
  metafile: true,
  logLevel: 'warning',
});

// ASCII only, so that a start reads the file byte for byte (latin1) with no UTF-8 to decode. esbuild
// escapes every other character but those in template literals: all are in `html` templates, which read
// the cooked strings, where `\u00b7` is `·`.
const output = (ending) => result.outputFiles.find((file) => file.path.endsWith(ending));
const ascii = output('.cjs')
  .text.replace(/^#!.*\n/, '')
  .replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const code = await withImportsCalled(ascii, '__importModule');
// The first line names the code's hash: the code cache is kept by it (V8 checks only a source's length).
const hash = createHash('sha256').update(code).digest('hex');
writeFileSync(outfile, `// saas-fulfillment bundle ${hash}\n${code}`);
if (output('.map')) writeFileSync(`${outfile}.map`, output('.map').text);
else rmSync(`${outfile}.map`, { force: true });
writeFileSync(`${outfile}.LICENSES.txt`, licenses(Object.keys(result.metafile.inputs)));
const size = code.length / 1024 / 1024;
process.stdout.write(`bundled ${Object.keys(result.metafile.inputs).length} modules into ${path.relative(process.cwd(), outfile)} (${size.toFixed(1)} MB)\n`);

/**
 * Every `import()` in the code made a call to `name`, which the loader passes in: on Node 20, code read
 * back from a code cache in another process loses what `import()` needs, and fails with "A dynamic import
 * callback was not specified". es-module-lexer finds the calls (a method named `import` is not one).
 */
async function withImportsCalled(code, name) {
  await lexerReady;
  const calls = findImports(code)[0].filter((found) => found.type === 'dynamic');
  let out = code;
  for (const { importStart } of calls.reverse()) out = `${out.slice(0, importStart)}${name}${out.slice(importStart + 'import'.length)}`;
  if (findImports(out)[0].some((found) => found.type === 'dynamic')) throw new Error('an import() is left in the bundle');
  return out;
}

/** The license of every third-party package inside the bundle, as their terms ask when their code is copied. */
function licenses(inputs) {
  const packages = new Map();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(@[^/]+\/[^/]+|[^/]+))\//.exec(input);
    if (match?.[1] && match[2]) packages.set(match[2], match[1]);
  }
  return [...packages]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, folder]) => {
      const { version, license } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
      const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE'].map((f) => path.join(folder, f)).find((f) => existsSync(f));
      return `${name} ${version} (${typeof license === 'string' ? license : 'see its package'})\n\n${file ? readFileSync(file, 'utf8').trim() : ''}\n`;
    })
    .join(`\n${'-'.repeat(72)}\n\n`);
}
