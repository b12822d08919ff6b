// When and how long to wait before trying a marketplace call again: exponential backoff with full
// jitter, honouring Retry-After, bounded by attempts and by total time.
import { backoffDelay } from '@saas-fulfillment/contract';

export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  maxAttempts: number;
  /** Delay cap for the first retry; doubles per retry up to maxDelayMs (defaults 500 ms and 10 s). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts later than this after the first attempt (default 30 s). */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 10_000, maxElapsedMs: 30_000 };

/** How far a failed attempt got: whether the server may have acted on it. */
export type Failure =
  | { kind: 'status'; status: number; retryAfter: string | null }
  /** The connection was refused or never opened: the request certainly did nothing. */
  | { kind: 'not-sent' }
  /** The request may have reached the server (reset, timeout): it may have acted. */
  | { kind: 'unknown-outcome' };

/**
 * Whether a failure may be retried. Reads and idempotent calls retry on network errors, 429, 408 and 5xx.
 * Calls that create an operation (PATCH, DELETE) retry only where the request surely did nothing:
 * 429 (refused before work) and connections never made; a second attempt could start a second operation.
 */
export function isRetryable(failure: Failure, idempotent: boolean): boolean {
  if (failure.kind === 'not-sent') return true;
  if (failure.kind === 'unknown-outcome') return idempotent;
  if (failure.status === 429) return true;
  return idempotent && (failure.status === 408 || failure.status >= 500);
}

/** Delay before retry number `retry` (1-based): Retry-After when the server gave one, else jittered backoff. */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfter: string | null, now: number, random: () => number = Math.random): number {
  const fromHeader = parseRetryAfter(retryAfter, now);
  if (fromHeader !== undefined) return Math.min(fromHeader, policy.maxDelayMs);
  return backoffDelay(retry, policy, random);
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
