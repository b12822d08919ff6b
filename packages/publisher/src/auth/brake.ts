// The brake on password guessing, from @fastify/rate-limit: every attempt counts against its client
// address and against the console's one password account before the password is hashed, so parallel
// guesses are counted as they arrive, not after. Behind a proxy the address is the real client's only
// when TRUST_PROXY names the proxy (Fastify's trustProxy); otherwise every user would share one.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

interface BrakeLimits {
  /** Attempts per client address per minute. */
  perAddress: number;
  /** Attempts on the account per minute, from all addresses together. */
  perAccount: number;
}

const DEFAULT_BRAKE: BrakeLimits = { perAddress: 10, perAccount: 60 };

type BrakeVerdict = { admitted: true } | { admitted: false; by: 'address' | 'account'; retryAfterSeconds: number };

export type LoginBrake = (request: FastifyRequest) => Promise<BrakeVerdict>;

export async function createLoginBrake(app: FastifyInstance, limits: BrakeLimits = DEFAULT_BRAKE): Promise<LoginBrake> {
  await app.register(rateLimit, { global: false });
  const window = 60_000;
  const perAddress = app.createRateLimit({ max: limits.perAddress, timeWindow: window, keyGenerator: (request) => `address:${request.ip}` });
  const perAccount = app.createRateLimit({ max: limits.perAccount, timeWindow: window, keyGenerator: () => 'account:console-password' });
  return async (request) => {
    const [address, account] = await Promise.all([perAddress(request), perAccount(request)]);
    for (const [by, state] of [['address', address] as const, ['account', account] as const])
      if (!state.isAllowed && state.isExceeded) return { admitted: false, by, retryAfterSeconds: state.ttlInSeconds };
    return { admitted: true };
  };
}
