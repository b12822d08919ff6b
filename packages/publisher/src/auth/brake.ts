// The brakes on guessing, from @fastify/rate-limit: on the console password, and on the bearer keys.
//
// The console password: Each client address may try 10 times a
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
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '@saas-fulfillment/contract';
import { PublisherErrors as E } from '../errors.js';

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

/** Wrong bearer keys an address may send a minute before the brake answers it 429. */
const WRONG_KEYS_PER_MINUTE = 30;

/**
 * The refusal for a request whose bearer key is wrong or missing: `unauthorized` (401), or once its address
 * has sent more than WRONG_KEYS_PER_MINUTE wrong keys in a minute, 429 with Retry-After. Only wrong keys
 * are counted and only they are refused: the right key always passes, so that someone guessing from the
 * address the vendor's app also uses (behind one proxy, say) cannot lock the app out. What keeps a key
 * from being found is its length (16 characters or more); the brake keeps guessers from costing the
 * service, and says so in the logs and the metrics.
 */
export type KeyBrake = (request: FastifyRequest, reply: FastifyReply, unauthorized: ApiError) => Promise<ApiError>;

export async function createKeyBrake(app: FastifyInstance, onBraked: (request: FastifyRequest) => void, perMinute = WRONG_KEYS_PER_MINUTE): Promise<KeyBrake> {
  let limiter: ReturnType<FastifyInstance['createRateLimit']> | undefined;
  // In a scope of its own: the plugin's decorations stay out of the app's (the console registers its own).
  await app.register(async (scope) => {
    await scope.register(rateLimit, { global: false });
    limiter = scope.createRateLimit({ max: perMinute, timeWindow: 60_000, keyGenerator: (request) => `key-guess:${addressKey(request.ip)}` });
  });
  const count = limiter as NonNullable<typeof limiter>;
  return async (request, reply, unauthorized) => {
    const verdict = await count(request);
    if (verdict.isAllowed || !verdict.isExceeded) return unauthorized;
    onBraked(request);
    reply.header('retry-after', String(verdict.ttlInSeconds));
    return E.tooManyWrongKeys(verdict.ttlInSeconds);
  };
}
