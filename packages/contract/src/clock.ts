// Time as a dependency: every rule that depends on "now" reads it from a Clock, so tests and the
// simulator can move time without waiting for it.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock the simulator can move forward, and a reset brings back to real time. */
export interface AdjustableClock extends Clock {
  advance(ms: number): void;
  reset(): void;
  readonly offset: number;
}

/** Real time plus an offset that only grows: the emulator's clock, moved by `POST /simulator/clock`. */
export class OffsetClock implements AdjustableClock {
  constructor(
    private offsetMs = 0,
    private readonly base: Clock = systemClock,
  ) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }
  get offset(): number {
    return this.offsetMs;
  }
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
  }
  /** Back to real time: only when the state that depended on the offset is gone too (a reset). */
  reset(): void {
    this.offsetMs = 0;
  }
}

/** A clock that stands still until told to move: for tests. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
