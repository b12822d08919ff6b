// A background loop that runs one pass of work at a time: at once when woken, else every poll interval,
// and again straight away while passes keep finding work. Both apps' workers run on it. Stopping takes no
// new pass at once and gives the one running a grace period; its `signal` then tells it to let go.
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a pass told to let go gets before the loop stops waiting for it. */
const LET_GO_MS = 1_000;
/** After failed passes (the database away), the next waits twice as long each time, up to this. */
const MAX_FAILURE_DELAY_MS = 15_000;

/** Whether the loop runs, and since when its passes fail (for readiness). */
export interface LoopState {
  running: boolean;
  /** Passes failing in a row, and the first failure's time and error; absent while passes succeed. */
  failing?: { passes: number; since: number; error: string };
}

export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = true;
  private stopping = new AbortController();
  private failing: LoopState['failing'];

  /** `pass` does what is due and returns how much it did (0: nothing was due); `signal` is aborted when the loop stops. */
  constructor(
    private readonly pass: (signal: AbortSignal) => Promise<number>,
    private readonly pollIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    this.schedule(0);
  }

  /**
   * Runs no new pass; the one running gets `graceMs` to finish, then its signal is aborted and it gets a
   * moment to let go. Resolves true when it finished within the grace period (or none was running).
   */
  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.stopped = true;
    clearTimeout(this.timer);
    const running = this.running?.then(
      () => true,
      () => true,
    );
    if (!running) return true;
    const finished = Number.isFinite(graceMs) ? await within(running, graceMs) : await running;
    if (!finished) {
      this.stopping.abort();
      await within(running, LET_GO_MS);
    }
    return finished;
  }

  /** Aborted once the loop is stopped and its grace period is over: a pass should let go of what it holds. */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Work was queued: run a pass now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Runs passes until one finds nothing due; returns how much was done (tests, the simulator's clock). */
  async drain(): Promise<number> {
    let total = 0;
    for (let round = 0; round < 1000; round++) {
      const done = await this.runPass();
      total += done;
      if (done === 0) break;
    }
    return total;
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if ((await this.runPass()) > 0) this.again = true;
      this.failing = undefined;
    } catch (error) {
      this.onError(error);
      const passes = (this.failing?.passes ?? 0) + 1;
      this.failing = { passes, since: this.failing?.since ?? Date.now(), error: error instanceof Error ? error.message : String(error) };
    }
    if (this.stopped) return;
    const immediately = this.again && !this.failing;
    this.again = false;
    this.schedule(immediately ? 0 : this.nextDelay());
  }

  /** The poll interval; after failed passes it doubles with each (up to a ceiling), so a database that is away is not hammered. */
  private nextDelay(): number {
    if (!this.failing) return this.pollIntervalMs;
    const doubled = Math.max(this.pollIntervalMs, 250) * 2 ** Math.min(this.failing.passes - 1, 10);
    return Math.min(doubled, Math.max(MAX_FAILURE_DELAY_MS, this.pollIntervalMs));
  }

  get state(): LoopState {
    return { running: !this.stopped, ...(this.failing ? { failing: { ...this.failing } } : {}) };
  }

  /** One pass; a caller arriving during a pass waits for it, then runs its own. */
  private async runPass(): Promise<number> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.pass(this.stopping.signal);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }
}

/** Whether `work` settles within `ms`; the wait keeps the process alive (a stop is awaited), and ends with the work. */
async function within(work: Promise<boolean>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([work, sleep(ms, false, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

/** Why a loop is not doing its work, or undefined (readiness): stopped, or its passes failing for over `graceMs`. */
export function loopProblem(state: LoopState, now = Date.now(), graceMs = 60_000): string | undefined {
  if (!state.running) return 'not running';
  const { failing } = state;
  if (!failing || now - failing.since < graceMs) return undefined;
  return `its last ${failing.passes} passes failed, for ${Math.round((now - failing.since) / 1000)} s (the log says why)`;
}
