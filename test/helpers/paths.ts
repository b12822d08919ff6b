import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder, wherever the tests run from. */
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
