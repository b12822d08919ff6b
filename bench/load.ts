// The load generator's measures, shared by the bench's parts: autocannon against loopback, and a measure
// beside its baseline in alternating one-second rounds.
import autocannon from 'autocannon';

export const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

export interface Load {
  rps: number;
  p99: number;
  errors: number;
}

export async function measure(options: autocannon.Options): Promise<Load> {
  const result = await autocannon({ ...options, connections: options.connections ?? CONNECTIONS, duration: options.duration ?? DURATION });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

/**
 * A measure and its baseline in alternating one-second rounds (as many as BENCH_SECONDS), so that a
 * machine whose speed drifts while the bench runs (a shared host) slows both alike and their ratio holds.
 */
export function paired(subject: autocannon.Options, baseline: autocannon.Options): Promise<{ subject: Load; baseline: Load }> {
  return alternate(
    () => measure({ ...subject, duration: 1 }),
    () => measure({ ...baseline, duration: 1 }),
    subject,
    baseline,
  );
}

/** One-second rounds of `subject` and `baseline` in turn, after a warm-up of the loads given; their means. */
export async function alternate(
  subject: () => Promise<Load>,
  baseline: () => Promise<Load>,
  ...warmUp: autocannon.Options[]
): Promise<{ subject: Load; baseline: Load }> {
  for (const options of warmUp) await measure({ ...options, duration: 1 });
  const rounds: { subject: Load; baseline: Load }[] = [];
  for (let round = 0; round < DURATION; round++) {
    const first = await baseline();
    rounds.push({ baseline: first, subject: await subject() });
  }
  const mean = (side: 'subject' | 'baseline'): Load => ({
    rps: rounds.reduce((sum, r) => sum + r[side].rps, 0) / rounds.length,
    p99: Math.max(...rounds.map((r) => r[side].p99)),
    errors: rounds.reduce((sum, r) => sum + r[side].errors, 0),
  });
  return { subject: mean('subject'), baseline: mean('baseline') };
}
