// The brake on password guessing, from @fastify/rate-limit. Each client address may try 10 times a
// minute; past that its attempts are refused before the password is hashed, so parallel guesses are
// counted as they arrive. The account as a whole is never locked: attempts beyond 60 a minute from all
// addresses together (only attempts an address brake let through count) are slowed by a short, fixed
// delay, so no number of guessers elsewhere keeps the right password out longer than that delay (OWASP
// prefers throttling to lock-out for this reason). IPv6 clients are counted by their /64, which one
// household or host usually holds whole. Behind a proxy the address is the real client's only when
// TRUST_PROXY names the proxy (Fastify's trustProxy); otherwise every user would share one.
import { setTimeout as sleep } from 'node:timers/promises';
import { isIPv6 } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

interface BrakeLimits {
  /** Attempts per client address per minute; more are refused. */
  perAddress: number;
  /** Attempts on the account per minute, from all addresses together; more are slowed. */
  perAccount: number;
  /** How long an attempt past the account's limit waits before it is tried. */
  slowdownMs: number;
}

const DEFAULT_BRAKE: BrakeLimits = { perAddress: 10, perAccount: 60, slowdownMs: 2000 };

type BrakeVerdict = { admitted: true; slowed: boolean } | { admitted: false; retryAfterSeconds: number };

export type LoginBrake = (request: FastifyRequest) => Promise<BrakeVerdict>;

/** The key an address is braked by: itself, or for IPv6 its /64. */
export function addressKey(ip: string): string {
  if (!isIPv6(ip) || ip.startsWith('::ffff:')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group || '0', 16).toString(16))
    .join(':')}::/64`;
}

export async function createLoginBrake(app: FastifyInstance, limits: BrakeLimits = DEFAULT_BRAKE): Promise<LoginBrake> {
  await app.register(rateLimit, { global: false });
  const window = 60_000;
  const perAddress = app.createRateLimit({ max: limits.perAddress, timeWindow: window, keyGenerator: (request) => `address:${addressKey(request.ip)}` });
  const perAccount = app.createRateLimit({ max: limits.perAccount, timeWindow: window, keyGenerator: () => 'account:console-password' });
  return async (request) => {
    const address = await perAddress(request);
    if (!address.isAllowed && address.isExceeded) return { admitted: false, retryAfterSeconds: address.ttlInSeconds };
    const account = await perAccount(request);
    const slowed = !account.isAllowed && account.isExceeded;
    if (slowed) await sleep(limits.slowdownMs);
    return { admitted: true, slowed };
  };
}
