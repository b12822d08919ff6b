// The shape docs/design.md gives the two apps, held by their source: the same rooms in both, arrows that
// point one way between the rooms, SQL only in store/, refusals made only by each app's error factory, no
// import cycle in any package, and no source file past 400 lines.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packagesDir, sourceFiles, specifiers } from '../helpers/sources.js';

const APPS = ['marketplace', 'publisher'];
const TOP_FILES = ['app.ts', 'errors.ts', 'http.ts', 'index.ts', 'internals.ts', 'services.ts', 'worker.ts'];
const ROOMS = ['model', 'store', 'routes', 'pages', 'pages/views'];
const MAX_LINES = 400;

/** Kysely's query builders and raw SQL: what only store/ may write. */
const SQL = /\.(selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)\(|\bsql(<[^>]*>)?`/;

/**
 * The room of a file inside src/: its folder, with pages/views told apart from pages; at the top, the
 * files that wire the app ('wiring') apart from the app's own top-level modules ('top').
 */
function roomOf(relative: string): string {
  const folder = path.posix.dirname(relative);
  if (folder === '.') return TOP_FILES.includes(relative) ? 'wiring' : 'top';
  return folder.startsWith('pages/views') ? 'pages/views' : (folder.split('/')[0] ?? '');
}

/** Each source file of a package (relative to src/, POSIX slashes) and the files of its own it imports. */
function importGraph(folder: string): Map<string, string[]> {
  const src = path.join(packagesDir, folder, 'src');
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(src)) {
    const targets = specifiers(file)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) =>
        path
          .relative(src, path.resolve(path.dirname(file), specifier))
          .replace(/\.js$/, '.ts')
          .split(path.sep)
          .join('/'),
      );
    graph.set(path.relative(src, file).split(path.sep).join('/'), targets);
  }
  return graph;
}

/** One cycle of the graph, as the files around it, or undefined (a depth-first search for a back edge). */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...trail.slice(trail.indexOf(file)), file];
    state.set(file, 'open');
    trail.push(file);
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Which rooms each room may import from, beyond itself and the packages. */
const MAY_IMPORT: Record<string, (room: string) => boolean> = {
  model: () => false,
  store: (room) => room === 'model',
  'pages/views': (room) => !['store', 'routes', 'pages', 'wiring'].includes(room),
};
/** Who may import routes/ and pages/: the HTTP side and the files that wire it. */
const HTTP_ROOMS = new Set(['routes', 'pages', 'pages/views', 'wiring']);
/** The simulator's client decodes the emulator's refusals for its callers: it makes none of its own. */
const DECODES_REFUSALS = new Set(['marketplace/simulator/client.ts']);

describe('the two apps have one shape', () => {
  for (const app of APPS) {
    const src = path.join(packagesDir, app, 'src');
    const graph = importGraph(app);

    it(`${app} has the same top files and rooms as the other app`, () => {
      for (const file of TOP_FILES) assert.ok(existsSync(path.join(src, file)), `${app}/src/${file} is missing`);
      for (const room of ROOMS) assert.ok(existsSync(path.join(src, room)), `${app}/src/${room}/ is missing`);
    });

    it(`${app}: the arrows between rooms point one way (model ← store, views ← pages, routes and pages from the top only)`, () => {
      for (const [file, targets] of graph)
        for (const target of targets) {
          const from = roomOf(file);
          const to = roomOf(target);
          if (from === to) continue;
          const allowed = MAY_IMPORT[from];
          if (allowed) assert.ok(allowed(to), `${app}/src/${file} (${from}/) imports ${target}`);
          if (to === 'routes' || to === 'pages') assert.ok(HTTP_ROOMS.has(from), `${app}/src/${file} imports ${target}: only the HTTP side imports it`);
        }
    });

    it(`${app} writes SQL only in store/`, () => {
      for (const file of graph.keys()) {
        if (roomOf(file) === 'store') continue;
        const line = readFileSync(path.join(src, file), 'utf8')
          .split('\n')
          .findIndex((text) => SQL.test(text));
        assert.equal(line, -1, `${app}/src/${file}:${line + 1} writes SQL outside store/`);
      }
    });

    it(`${app} makes its refusals only in errors.ts`, () => {
      for (const file of graph.keys()) {
        if (file === 'errors.ts' || DECODES_REFUSALS.has(`${app}/${file}`)) continue;
        assert.doesNotMatch(readFileSync(path.join(src, file), 'utf8'), /new ApiError\(/, `${app}/src/${file} makes an ApiError itself`);
      }
    });
  }

  for (const folder of readdirSync(packagesDir)) {
    it(`packages/${folder} has no import cycle and no source file over ${MAX_LINES} lines`, () => {
      const graph = importGraph(folder);
      assert.equal(findCycle(graph)?.join(' → '), undefined);
      for (const file of graph.keys()) {
        const lines = readFileSync(path.join(packagesDir, folder, 'src', file), 'utf8').split('\n').length;
        assert.ok(lines <= MAX_LINES, `packages/${folder}/src/${file} has ${lines} lines`);
      }
    });
  }
});
