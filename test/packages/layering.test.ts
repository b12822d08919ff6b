// The arrows between the packages are the ones docs/design.md draws: each package imports only the
// packages of ours it declares, and the declared graph is the designed one (the two sides of the
// contract never import each other; the client needs nothing that serves HTTP or stores data).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packagesDir, sourceFiles, specifiers } from '../helpers/sources.js';

const DESIGNED: Record<string, string[]> = {
  contract: [],
  store: [],
  client: ['contract'],
  app: ['contract'],
  web: ['contract'],
  // The client only for its test fixture (`marketplace/testing`), which hands a suite a signed-in client.
  marketplace: ['client', 'contract', 'store', 'web'],
  publisher: ['client', 'contract', 'store', 'web'],
  cli: ['client', 'contract', 'marketplace', 'publisher', 'store', 'web'],
};

const ours = (name: string) => /^@saas-fulfillment\/([a-z-]+)/.exec(name)?.[1];

function declared(folder: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(packagesDir, folder, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {})
    .map(ours)
    .filter((name) => name !== undefined)
    .sort();
}

function imported(folder: string): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(path.join(packagesDir, folder, 'src')))
    for (const specifier of specifiers(file)) {
      const name = ours(specifier);
      if (name) found.add(name);
    }
  return found;
}

describe('package layering', () => {
  it('every package is in the design', () => {
    assert.deepEqual(readdirSync(packagesDir).sort(), Object.keys(DESIGNED).sort());
  });

  for (const [folder, designed] of Object.entries(DESIGNED)) {
    it(`${folder} depends on ${designed.join(', ') || 'no package of ours'}, and imports nothing else of ours`, () => {
      assert.deepEqual(declared(folder), designed);
      for (const name of imported(folder)) assert.ok(designed.includes(name), `packages/${folder} imports @saas-fulfillment/${name}`);
    });
  }
});
