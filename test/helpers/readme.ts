// The usage examples in the packages' READMEs, read the way the tests run them: the `js` block after
// `<!-- example -->`, and the `text` block after `<!-- prints -->` (what the example writes, line for line).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repositoryRoot } from './paths.js';

export interface ReadmeExample {
  code: string;
  prints: string | undefined;
}

export function readmeExample(packageFolder: string): ReadmeExample | undefined {
  const readme = readFileSync(path.join(repositoryRoot, 'packages', packageFolder, 'README.md'), 'utf8');
  const code = /<!-- example -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (code === undefined) return undefined;
  return { code, prints: /<!-- prints -->\s*```text\n([\s\S]*?)```/.exec(readme)?.[1] };
}
