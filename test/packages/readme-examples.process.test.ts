// Every package's README shows how to use it, and the example runs as written: saved as a module inside
// this repository (so it imports the packages by their names, built, as an installed copy would) and
// run with plain Node; what it prints is what the README says it prints. The client's example needs
// an emulator and an installation of its own: test/client/readme-example.process.test.ts runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { repositoryRoot } from '../helpers/paths.js';
import { readmeExample } from '../helpers/readme.js';

const run = promisify(execFile);
const packages = readdirSync(path.join(repositoryRoot, 'packages'));
// Inside node_modules so the examples resolve the workspace's packages, and ignored by git.
const scratch = path.join(repositoryRoot, 'node_modules', '.cache', 'readme-examples');

describe('README examples', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('every package has a README with a usage example', () => {
    assert.ok(packages.length >= 7, packages.join(', '));
    for (const folder of packages) assert.ok(readmeExample(folder), `packages/${folder}/README.md has a <!-- example --> js block`);
  });

  for (const folder of packages.filter((name) => name !== 'client')) {
    it(`packages/${folder}: the example prints what its README says`, async () => {
      const example = readmeExample(folder);
      assert.ok(example?.prints, `packages/${folder}/README.md says what its example prints`);
      assert.ok(existsSync(path.join(repositoryRoot, 'packages', folder, 'dist')), `packages/${folder} is built (npm run build)`);
      const folderForRun = path.join(scratch, folder);
      mkdirSync(folderForRun, { recursive: true });
      writeFileSync(path.join(folderForRun, 'example.mjs'), example.code);
      const { stdout } = await run(process.execPath, ['example.mjs'], {
        cwd: folderForRun,
        timeout: 60_000,
        env: { ...process.env, DATABASE_URL: '' },
      });
      assert.equal(stdout, example.prints);
    });
  }
});
