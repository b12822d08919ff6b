// examples/typescript-generated: a client that a generator (openapi-typescript, openapi-fetch) makes from
// docs/openapi.json alone, in a folder with its own dependencies, type-checked with them and run against a
// live publisher; what it prints is what its README says.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { repositoryRoot } from '../helpers/paths.js';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';

const run = promisify(execFile);
const EXAMPLE = path.join(repositoryRoot, 'examples/typescript-generated');
const npm = (...args: string[]) => run('npm', args, { cwd: EXAMPLE, timeout: 180_000 });

describe('a client generated from the OpenAPI document', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => stack.close());

  it('is generated, type-checks against the document and prints what its README says', async () => {
    if (!existsSync(path.join(EXAMPLE, 'node_modules'))) await npm('ci', '--no-audit', '--no-fund', '--prefer-offline');
    await npm('run', 'generate');
    await npm('run', 'build');
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    const { stdout } = await run(process.execPath, ['dist/main.js', stack.publisherUrl, APP_API_KEY, id], { cwd: EXAMPLE, timeout: 30_000 });
    const printed = /```text\n([\s\S]*?)```/.exec(readFileSync(path.join(EXAMPLE, 'README.md'), 'utf8'))?.[1];
    assert.equal(stdout, printed);
  });
});
