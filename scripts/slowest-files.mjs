// A test reporter that adds up each file's top-level tests: it keeps each file's time for the next run's
// sharing out (TEST_TIMINGS, written by run-tests.mjs) and prints the slowest files (SLOWEST_FILES of
// them, none when 0) at the end: where the suite's time goes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export default async function* slowestFiles(source) {
  const byFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      byFile.set(event.data.file, (byFile.get(event.data.file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const relative = (file) => file.replace(/.*?\btest\//, 'test/');
  const store = process.env.TEST_TIMINGS;
  if (store) {
    let known = {};
    try {
      known = JSON.parse(readFileSync(store, 'utf8'));
    } catch {
      // No timings yet (a fresh clone) or unreadable ones: start again from this run's.
    }
    for (const [file, ms] of byFile) known[relative(file)] = Math.round(ms);
    mkdirSync(path.dirname(store), { recursive: true });
    writeFileSync(store, JSON.stringify(known, null, 1));
  }
  const count = Number(process.env.SLOWEST_FILES ?? 10);
  if (count <= 0) return;
  const rows = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, count);
  yield `\nslowest ${rows.length} test files:\n`;
  for (const [file, ms] of rows) yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(file)}\n`;
}
