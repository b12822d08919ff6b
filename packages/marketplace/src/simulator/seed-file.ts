// Reading a seed (or state) file: YAML, which JSON is a part of, so either kind reads, with comments.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The YAML parser loads with the first file that is not plain JSON: an emulator started without a seed,
// or with a JSON one, never reads its modules.
type Yaml = typeof import('yaml');
let yaml: Yaml | undefined;
const loadYaml = (): Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as Yaml);

/** A file that cannot be read or parsed, named with its path (and line, for a syntax error). */
export class DocumentFileError extends Error {
  override readonly name = 'DocumentFileError';
}

/** The document in a YAML or JSON file, not yet checked against any schema. */
export function readDocumentFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DocumentFileError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    // Large state documents are JSON: the JSON parser is many times faster than the YAML one.
    if (/^\s*\{/.test(text)) return JSON.parse(text);
  } catch {
    // Not strict JSON (comments, trailing commas): YAML reads it or says where it is wrong.
  }
  const { parse, YAMLParseError } = loadYaml();
  try {
    return parse(text, { maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof YAMLParseError) throw new DocumentFileError(`${file} is neither YAML nor JSON: ${error.message.split('\n')[0]}`);
    throw error;
  }
}
