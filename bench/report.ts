// The benchmark's one report: each row beside its baseline measured in the same run on the same machine,
// its ratio and its target; printed as a table, or as JSON with --json, and written with an SVG chart of
// the ratios against their targets to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Row {
  id: string;
  value: number;
  unit: string;
  /** What the value is read against, measured in the same run (absent: reported only). */
  baseline?: number;
  baselineName?: string;
  /** value / baseline. */
  ratio?: number;
  /** The target, in words and as a check of this row. */
  target?: string;
  met?: boolean;
  note?: string;
}

export function row(id: string, value: number, unit: string, against?: { baseline: number; name: string; atLeast?: number; atMost?: number }): Row {
  const result: Row = { id, value: round(value), unit };
  if (against) {
    result.baseline = round(against.baseline);
    result.baselineName = against.name;
    result.ratio = round(value / against.baseline, 3);
    if (against.atLeast !== undefined) {
      result.target = `ratio >= ${against.atLeast}`;
      result.met = result.ratio >= against.atLeast;
    }
    if (against.atMost !== undefined) {
      result.target = `ratio <= ${against.atMost}`;
      result.met = result.ratio <= against.atMost;
    }
  }
  return result;
}

/** A row whose target is on the value itself (a latency, a size). */
export function bounded(id: string, value: number, unit: string, atMost: number): Row {
  return { id, value: round(value), unit, target: `<= ${atMost} ${unit}`, met: value <= atMost };
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function printTable(rows: readonly Row[]): string {
  const head = ['id', 'value', 'unit', 'baseline', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [
    r.id,
    r.value.toLocaleString('en-US'),
    r.unit,
    r.baseline === undefined ? '' : `${r.baseline.toLocaleString('en-US')} (${r.baselineName})`,
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.target ?? 'reported',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => `| ${c.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** Writes the run's JSON and chart to `dir`; returns the two paths. */
export function writeResults(dir: string, rows: readonly Row[], meta: Record<string, string>): { json: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'bench.json');
  const svg = path.join(dir, 'bench.svg');
  writeFileSync(json, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  writeFileSync(svg, chart(rows, meta));
  return { json, svg };
}

/** Horizontal bars of each ratio (or value against its bound), with the target marked. */
function chart(rows: readonly Row[], meta: Record<string, string>): string {
  const charted = rows.filter((r) => r.target !== undefined);
  const barHeight = 26;
  const left = 230;
  const width = 760;
  const scaleMax = 2;
  const height = 60 + charted.length * barHeight;
  const x = (fraction: number) => left + (Math.min(fraction, scaleMax) / scaleMax) * (width - left - 40);
  const bars = charted.map((r, i) => {
    const y = 40 + i * barHeight;
    // A ratio row is drawn as its ratio; a bounded row as bound / value (above 1 when met).
    const bound = Number(/[\d.]+/.exec(r.target ?? '')?.[0] ?? 1);
    const shown = r.ratio ?? (r.value > 0 ? bound / r.value : scaleMax);
    const target = r.ratio !== undefined ? bound : 1;
    const colour = r.met ? '#107c10' : '#b10e1c';
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escapeXml(r.id)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(shown) - left)}" height="${barHeight - 8}" fill="${colour}" opacity="0.8"/>`,
      `<line x1="${x(target)}" x2="${x(target)}" y1="${y}" y2="${y + barHeight - 2}" stroke="#1b1f24" stroke-width="2"/>`,
      `<text x="${x(shown) + 6}" y="${y + 15}">${shown.toFixed(2)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="13">
<title>npm run bench: each ratio to its same-run baseline against its target</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-weight="600">npm run bench: ratio to the same-run baseline (bar) and target (line); green met, red missed</text>
${bars.join('\n')}
<text x="12" y="${height - 10}" fill="#5b6470">${escapeXml(Object.values(meta).join(' · '))}</text>
</svg>
`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
