// A background loop that runs one pass of work at a time: at once when woken, else every poll interval,
// and again straight away while passes keep finding work. Both apps' workers run on it.

export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = true;

  /** `pass` does what is due and returns how much it did (0: nothing was due). */
  constructor(
    private readonly pass: () => Promise<number>,
    private readonly pollIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
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
    } catch (error) {
      this.onError(error);
    }
    if (this.stopped) return;
    const immediately = this.again;
    this.again = false;
    this.schedule(immediately ? 0 : this.pollIntervalMs);
  }

  /** One pass; a caller arriving during a pass waits for it, then runs its own. */
  private async runPass(): Promise<number> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.pass();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
