// May this customer use this feature? Answered from a local copy of each subscription's entitlement that
// the publisher's signed events keep fresh (push) and a refresh keeps within a staleness bound when events
// are lost (pull, with an ETag so an unchanged answer carries no body). A copy older than the bound is never
// trusted: the publisher is asked, and if it cannot answer, access is refused, never guessed.
import type { Entitlement } from '@saas-fulfillment/contract';
import { call, PublisherError, type PublisherConnection } from './http.js';

export interface EntitlementOptions {
  /** A copy older than this is not trusted: the publisher is asked again (default 60 s). */
  maxStalenessMs?: number;
  /** Copies are checked with the publisher this often, so they stay within the bound without events (default half the bound; 0: never). */
  refreshMs?: number;
  /** The features each plan includes, by plan id: `check(id, feature)` allows a feature its plan lists. */
  features?: Readonly<Record<string, readonly string[]>>;
  /** Milliseconds since the epoch (default Date.now): for tests. */
  now?: () => number;
}

/** Why access was allowed or refused, for the product's logs and messages. */
export type DecisionReason = 'active' | 'read-only' | 'not-entitled' | 'not-in-plan' | 'unknown-subscription' | 'unverified';

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
  /** What the decision was made from (absent when nothing could be read). */
  entitlement?: Entitlement;
}

interface Copy {
  entitlement: Entitlement;
  etag: string | null;
  readAt: number;
  /** Decisions already made from this copy, by feature ('' for none): the hot path allocates nothing. */
  decisions?: Map<string, Decision>;
}

/**
 * The time for the hot path: Date.now() per check would cost as much as the check, so the clock is read
 * once per COARSE_MS while checks come (a timer, running only then, marks the reading old) and once every
 * 1,024 checks (a long synchronous run sees time pass too). A copy is judged as if COARSE_MS later than
 * the reading, so it is never trusted past its bound.
 */
const COARSE_MS = 10;
let coarse = 0;
let coarseFresh = false;
let coarseReads = 0;
function coarseNow(): number {
  if (!coarseFresh || (++coarseReads & 1023) === 0) {
    coarse = Date.now();
    if (!coarseFresh) {
      coarseFresh = true;
      setTimeout(() => {
        coarseFresh = false;
      }, COARSE_MS).unref();
    }
  }
  return coarse;
}

/** Which decision of a tenant's subscriptions speaks for the tenant: the most access first. */
const RANK: Record<DecisionReason, number> = { active: 0, 'read-only': 1, 'not-in-plan': 2, 'not-entitled': 3, 'unknown-subscription': 4, unverified: 5 };

export class Entitlements {
  private readonly copies = new Map<string, Copy>();
  private readonly tenants = new Map<string, { entitlements: Entitlement[]; readAt: number }>();
  private readonly maxStalenessMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Answers from the publisher by kind: `fresh` with a body, `unchanged` (304, no body). */
  readonly reads = { fresh: 0, unchanged: 0, failed: 0 };

  constructor(
    private readonly connection: PublisherConnection,
    private readonly options: EntitlementOptions = {},
  ) {
    this.maxStalenessMs = options.maxStalenessMs ?? 60_000;
    this.now = options.now ?? coarseNow;
    const refreshMs = options.refreshMs ?? this.maxStalenessMs / 2;
    this.timer = refreshMs > 0 ? setInterval(() => void this.refreshAll(), refreshMs).unref() : undefined;
  }

  /**
   * The decision from the local copy alone, or undefined when there is none young enough to trust: the
   * hot path (no promise, no I/O). `check` asks the publisher in that case.
   */
  cached(subscriptionId: string, feature?: string): Decision | undefined {
    const copy = this.copies.get(subscriptionId) ?? this.copies.get(subscriptionId.toLowerCase());
    if (!copy || this.now() + COARSE_MS - copy.readAt > this.maxStalenessMs) return undefined;
    copy.decisions ??= new Map();
    let decision = copy.decisions.get(feature ?? '');
    if (!decision) {
      decision = Object.freeze(this.decide(copy.entitlement, feature));
      copy.decisions.set(feature ?? '', decision);
    }
    return decision;
  }

  /** May the subscription's customer use `feature` (or the product at all, without one)? */
  async check(subscriptionId: string, feature?: string): Promise<Decision> {
    const cached = this.cached(subscriptionId, feature);
    if (cached) return cached;
    try {
      const copy = await this.read(subscriptionId);
      return copy ? this.decide(copy.entitlement, feature) : { allowed: false, reason: 'unknown-subscription' };
    } catch (error) {
      if (error instanceof PublisherError && error.transient) return { allowed: false, reason: 'unverified' };
      throw error;
    }
  }

  /**
   * May any subscription of the customer tenant use `feature`? For a product that knows its customers by
   * their Entra tenant: the best decision among the tenant's subscriptions (an active one first).
   */
  async checkTenant(tenantId: string, feature?: string): Promise<Decision> {
    const key = tenantId.toLowerCase();
    let copy = this.tenants.get(key);
    if (!copy || this.now() + COARSE_MS - copy.readAt > this.maxStalenessMs) {
      try {
        const answer = await call(this.connection, `/api/entitlements?tenantId=${encodeURIComponent(key)}`);
        this.reads.fresh++;
        copy = { entitlements: (answer.body as { entitlements: Entitlement[] }).entitlements, readAt: this.now() };
        this.tenants.set(key, copy);
      } catch (error) {
        this.reads.failed++;
        if (error instanceof PublisherError && error.transient) return { allowed: false, reason: 'unverified' };
        throw error;
      }
    }
    const decisions = copy.entitlements.map((entitlement) => this.decide(entitlement, feature));
    return decisions.sort((a, b) => RANK[a.reason] - RANK[b.reason])[0] ?? { allowed: false, reason: 'unknown-subscription' };
  }

  /** Forgets the copies of a subscription (and of its tenant), so the next check asks the publisher: what an event does. */
  invalidate(subscriptionId: string, tenantId?: string | null): void {
    this.copies.delete(subscriptionId.toLowerCase());
    if (tenantId) this.tenants.delete(tenantId.toLowerCase());
  }

  /** Reads the subscription's entitlement now (conditionally, when a copy is held); undefined if the publisher knows none. */
  async read(subscriptionId: string): Promise<Copy | undefined> {
    const key = subscriptionId.toLowerCase();
    const held = this.copies.get(key);
    try {
      const answer = await call(this.connection, `/api/entitlements/${encodeURIComponent(key)}`, { etag: held?.etag ?? undefined });
      if (answer.status === 304 && held) {
        this.reads.unchanged++;
        const copy = { ...held, readAt: this.now() };
        this.copies.set(key, copy);
        return copy;
      }
      this.reads.fresh++;
      const copy = { entitlement: answer.body as Entitlement, etag: answer.etag, readAt: this.now() };
      this.copies.set(key, copy);
      return copy;
    } catch (error) {
      this.reads.failed++;
      if (error instanceof PublisherError && error.status === 404) {
        this.copies.delete(key);
        return undefined;
      }
      throw error;
    }
  }

  /** Stops the refresh timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private decide(entitlement: Entitlement, feature: string | undefined): Decision {
    if (entitlement.access === 'none') return { allowed: false, reason: 'not-entitled', entitlement };
    if (feature !== undefined && this.options.features && !this.options.features[entitlement.planId]?.includes(feature)) {
      return { allowed: false, reason: 'not-in-plan', entitlement };
    }
    return entitlement.access === 'full' ? { allowed: true, reason: 'active', entitlement } : { allowed: true, reason: 'read-only', entitlement };
  }

  /** Checks every copy with the publisher (one at a time: a refresh is background work). */
  private async refreshAll(): Promise<void> {
    for (const key of [...this.copies.keys()]) await this.read(key).catch(() => undefined);
  }
}
