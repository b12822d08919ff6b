// Landing tokens resolved with Microsoft as seldom as the buyer's purchase allows: the answer for a token
// (its subscription, or the refusal) is kept for a short while, so reloads and repeats cost no call, and
// each client address may make only so many calls a minute. A flood of bogus links therefore spends a
// bounded share of the vendor's Microsoft API quota, whoever sends it.
import { createHash } from 'node:crypto';
import { MarketplaceError } from '@saas-fulfillment/client';
import type { Clock } from '@saas-fulfillment/contract';
import type { LocalSubscription } from '../model/subscription.js';

export interface ResolutionLimits {
  /** How long a resolved token's subscription is remembered. */
  resolvedMs: number;
  /** How long Microsoft's refusal of a token (an expired or bogus link) is remembered. */
  refusedMs: number;
  /** Calls to Microsoft per client address per minute; more are refused until the minute is over. */
  callsPerAddressPerMinute: number;
  /** Tokens remembered at most (the oldest are forgotten first). */
  maxTokens: number;
}

const DEFAULT_LIMITS: ResolutionLimits = { resolvedMs: 60_000, refusedMs: 5 * 60_000, callsPerAddressPerMinute: 10, maxTokens: 10_000 };
const MINUTE_MS = 60_000;

/** An address asked Microsoft about too many links this minute. */
export class TooManyResolves extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many purchase links resolved from one address');
  }
}

type Remembered = { until: number } & ({ subscriptionId: string } | { refusal: MarketplaceError });

export class LandingResolutions {
  private readonly tokens = new Map<string, Remembered>();
  private readonly calls = new Map<string, { minuteStart: number; count: number }>();
  private readonly limits: ResolutionLimits;

  constructor(
    private readonly resolveWithMicrosoft: (token: string) => Promise<LocalSubscription>,
    private readonly localCopy: (subscriptionId: string) => Promise<LocalSubscription | undefined>,
    private readonly clock: Clock,
    limits: Partial<ResolutionLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** The token's subscription; throws Microsoft's refusal (remembered or new), or TooManyResolves. */
  async resolve(token: string, address: string): Promise<LocalSubscription> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.clock.now().getTime();
    const remembered = this.tokens.get(key);
    if (remembered && remembered.until > now) {
      if ('refusal' in remembered) throw remembered.refusal;
      const local = await this.localCopy(remembered.subscriptionId);
      if (local) return local;
    }
    this.countCall(address, now);
    try {
      const subscription = await this.resolveWithMicrosoft(token);
      this.remember(key, { until: now + this.limits.resolvedMs, subscriptionId: subscription.id });
      return subscription;
    } catch (error) {
      // Only a refusal of the token itself is kept: an outage or a throttle may be over at the next reload.
      if (error instanceof MarketplaceError && error.status >= 400 && error.status < 500 && error.status !== 429)
        this.remember(key, { until: now + this.limits.refusedMs, refusal: error });
      throw error;
    }
  }

  private countCall(address: string, now: number): void {
    const calls = this.calls.get(address);
    if (!calls || now - calls.minuteStart >= MINUTE_MS) {
      if (this.calls.size >= this.limits.maxTokens) this.calls.clear();
      this.calls.set(address, { minuteStart: now, count: 1 });
      return;
    }
    if (calls.count >= this.limits.callsPerAddressPerMinute) throw new TooManyResolves(Math.ceil((calls.minuteStart + MINUTE_MS - now) / 1000));
    calls.count++;
  }

  private remember(key: string, entry: Remembered): void {
    this.tokens.delete(key);
    this.tokens.set(key, entry);
    if (this.tokens.size > this.limits.maxTokens) this.tokens.delete(this.tokens.keys().next().value as string);
  }
}
