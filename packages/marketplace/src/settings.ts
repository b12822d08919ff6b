// Timings and switches of the emulator's behaviour, with the values that mirror Microsoft's.
import { ACKNOWLEDGE_WINDOW_SECONDS } from '@saas-fulfillment/contract';

export interface MarketplaceSettings {
  /** How long after a ChangePlan/ChangeQuantity webhook is delivered the operation succeeds on its own. */
  acknowledgeWindowMs: number;
  /** How long a publisher-initiated PATCH or DELETE stays InProgress before Microsoft completes it. */
  partnerOperationDelayMs: number;
  /** Landing-page token lifetime (the spec says one hour; the docs say 24 h: the stricter one is default). */
  landingTokenTtlMs: number;
  /** True (life-cycle page): Reinstate waits for PATCH Success. False (webhook page): it completes like a plan change. */
  reinstateAwaitsPublisher: boolean;
  webhook: {
    timeoutMs: number;
    maxAttempts: number;
    /** Delay before the second attempt; doubles for each attempt after that, up to maxDelayMs. */
    baseDelayMs: number;
    maxDelayMs: number;
  };
  /** How often the background worker looks for due work when nothing wakes it. */
  pollIntervalMs: number;
}

export const DEFAULT_SETTINGS: MarketplaceSettings = {
  acknowledgeWindowMs: ACKNOWLEDGE_WINDOW_SECONDS * 1000,
  partnerOperationDelayMs: 1000,
  landingTokenTtlMs: 60 * 60 * 1000,
  reinstateAwaitsPublisher: true,
  webhook: { timeoutMs: 10_000, maxAttempts: 20, baseDelayMs: 1000, maxDelayMs: 5 * 60 * 1000 },
  pollIntervalMs: 250,
};

export function withDefaults(
  overrides: Partial<Omit<MarketplaceSettings, 'webhook'>> & { webhook?: Partial<MarketplaceSettings['webhook']> } = {},
): MarketplaceSettings {
  return { ...DEFAULT_SETTINGS, ...overrides, webhook: { ...DEFAULT_SETTINGS.webhook, ...overrides.webhook } };
}
