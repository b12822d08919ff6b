// The one backoff every retry loop uses (the client's calls, the emulator's webhook deliveries, the
// publisher's jobs): exponential, capped, with jitter so that many retries do not arrive together.

export interface Backoff {
  /** Delay cap for the first retry; it doubles per retry up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Delay before retry number `attempt` (1-based): between half the cap and the cap, at random. */
export function backoffDelay(attempt: number, policy: Backoff, random: () => number = Math.random): number {
  const cap = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(cap / 2 + (random() * cap) / 2);
}
