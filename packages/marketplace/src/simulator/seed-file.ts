// Reading a seed (or state) file: YAML, which JSON is a part of, so either kind reads, with comments.
// Aliases are expanded only when the document they make stays within what the emulator takes: a few
// hundred KiB of anchors and aliases can otherwise stand for gigabytes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Document, Node } from 'yaml';
import { SEED_SIZE_LIMIT, STATE_SIZE_LIMIT } from './documents.js';

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
  const { parseDocument } = loadYaml();
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) throw new DocumentFileError(`${file} is neither YAML nor JSON: ${error.message.split('\n')[0]}`);
  const size = expandedSize(document);
  if (size > MAX_EXPANDED)
    throw new DocumentFileError(
      `${file} stands for more than ${MAX_EXPANDED / (1024 * 1024)} MiB once its aliases are filled in, more than the emulator takes: write the repeated parts out, or use fewer aliases`,
    );
  return document.toJS({ maxAliasCount: 100 });
}

/** The most a document may stand for, aliases filled in: what the emulator takes as a state, the larger of its two documents. */
const MAX_EXPANDED = Math.max(STATE_SIZE_LIMIT, SEED_SIZE_LIMIT);
/** Deeper than this, a document is refused rather than walked. */
const MAX_DEPTH = 64;

/**
 * About how many characters the document's JSON would have, each alias counted as the node it names
 * (each anchored node measured once); stops counting past MAX_EXPANDED. No recursion deeper than MAX_DEPTH.
 */
function expandedSize(document: Document): number {
  const { isAlias, isCollection, isPair, isScalar } = loadYaml();
  const measured = new Map<unknown, number>();
  const measure = (node: unknown, depth: number): number => {
    if (depth > MAX_DEPTH) throw new DocumentFileError(`the document nests deeper than ${MAX_DEPTH} levels`);
    const known = measured.get(node);
    if (known !== undefined) return known;
    let size = 1;
    if (isAlias(node)) size = measure(node.resolve(document), depth + 1);
    else if (isScalar(node)) size = String(node.value).length + 2;
    else if (isPair(node)) size = measure(node.key, depth + 1) + measure(node.value, depth + 1) + 1;
    else if (isCollection(node)) {
      size = 2;
      for (const item of (node as { items: unknown[] }).items) {
        size += measure(item, depth + 1) + 1;
        if (size > MAX_EXPANDED) break;
      }
    }
    measured.set(node, Math.min(size, MAX_EXPANDED + 1));
    return Math.min(size, MAX_EXPANDED + 1);
  };
  return document.contents ? measure(document.contents as Node, 0) : 0;
}
