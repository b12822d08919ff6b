// Chaos on a schedule: unlike the fault queue (the next N matching calls), chaos hits a fraction of
// everything, drawn from a seeded generator so that a run with the same seed and the same requests makes
// the same choices (the seed is printed and returned; replay with it). API calls answer 500, 503 or 429
// with Retry-After, or hang past the client's timeout; the token endpoint has outages; webhooks arrive
// twice, late, out of order or not at all (left for reconciliation to repair); answers carry fields and
// enum values newer than the spec.
import { randomInt } from 'node:crypto';
import { API_KINDS, type ChaosSettings } from '../model/simulator.js';

export type ApiChaos = { kind: '500' | '503' | '429'; retryAfterSeconds: number } | { kind: 'hang'; ms: number };
export type WebhookChaos = { kind: 'drop' } | { kind: 'duplicate' } | { kind: 'delay'; ms: number } | undefined;

export class Chaos {
  private settings: (ChaosSettings & { seed: number }) | undefined;
  private random: () => number = Math.random;

  /** Whether chaos is on: the hot path asks this first. */
  get active(): boolean {
    return this.settings !== undefined;
  }

  /** Turns chaos on (or changes it); returns the settings in force, with the seed. */
  set(settings: ChaosSettings): ChaosSettings & { seed: number } {
    const seed = settings.seed ?? randomInt(2 ** 31 - 1);
    this.settings = { ...settings, seed };
    this.random = mulberry32(seed);
    return this.settings;
  }

  get(): (ChaosSettings & { seed: number }) | undefined {
    return this.settings;
  }

  clear(): void {
    this.settings = undefined;
  }

  api(): ApiChaos | undefined {
    const api = this.settings?.api;
    if (!api || !this.draw(api.rate)) return undefined;
    const kinds = api.kinds ?? API_KINDS;
    const kind = kinds[Math.floor(this.random() * kinds.length)] ?? '500';
    return kind === 'hang' ? { kind, ms: api.hangMs ?? 35_000 } : { kind, retryAfterSeconds: api.retryAfterSeconds ?? 1 };
  }

  tokenOutage(): boolean {
    return this.draw(this.settings?.tokens?.outage ?? 0);
  }

  /** What happens to a webhook about to be delivered for the first time. */
  webhook(): WebhookChaos {
    const webhooks = this.settings?.webhooks;
    if (!webhooks) return undefined;
    const lateMs = webhooks.lateMs ?? 5000;
    if (this.draw(webhooks.drop ?? 0)) return { kind: 'drop' };
    if (this.draw(webhooks.duplicate ?? 0)) return { kind: 'duplicate' };
    if (this.draw(webhooks.late ?? 0)) return { kind: 'delay', ms: lateMs };
    if (this.draw(webhooks.outOfOrder ?? 0)) return { kind: 'delay', ms: 1 + Math.floor(this.random() * lateMs) };
    return undefined;
  }

  unknownValues(): boolean {
    return this.draw(this.settings?.unknownValues ?? 0);
  }

  private draw(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }
}

/** Values a newer marketplace might send: an unknown field and enum values this code has never seen. */
export function withUnknownValues(document: Record<string, unknown>): Record<string, unknown> {
  const operations = Array.isArray(document.allowedCustomerOperations) ? document.allowedCustomerOperations : [];
  return {
    ...document,
    sandboxType: 'FutureSandbox',
    allowedCustomerOperations: [...operations, 'Transfer'],
    marketplaceChaos: { addedBy: 'chaos', version: 2 },
  };
}

/** A small, fast, seedable generator (Mulberry32): the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
