// A test reporter that adds up each file's top-level tests and prints the slowest files (SLOWEST_FILES of
// them) at the end: where the suite's time goes.
export default async function* slowestFiles(source) {
  const byFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      byFile.set(event.data.file, (byFile.get(event.data.file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const count = Number(process.env.SLOWEST_FILES ?? 10);
  const rows = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, count);
  yield `\nslowest ${rows.length} test files:\n`;
  for (const [file, ms] of rows) yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${file.replace(/.*?\btest\//, 'test/')}\n`;
}
