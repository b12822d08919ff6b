// Chaos on demand: the simulator's control API queues faults that the next matching fulfillment API calls
// suffer (an error status, optionally with Retry-After, and/or added latency), so a publisher can prove
// its retries and timeouts. Kept in memory: a restart clears them.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '@saas-fulfillment/contract';
import { GLOB_SYNTAX, globMatches } from './glob.js';

export const FaultBody = Type.Object({
  /** HTTP status to answer with (omit for latency only). */
  status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
  /** How many matching calls suffer it. */
  count: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /** A glob for the path under /api: `*` within one segment, `**` across them (default: every call). */
  pathPattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: GLOB_SYNTAX.source })),
  method: Type.Optional(Type.Enum(['GET', 'POST', 'PATCH', 'DELETE'])),
  retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
});
export type FaultRequest = Type.Static<typeof FaultBody>;

interface Fault extends FaultRequest {
  id: string;
  remaining: number;
}

/** Longer paths are never matched: a bound on the matcher's work, far above any real API path. */
const MAX_PATH = 2000;

export class FaultInjector {
  private faults: Fault[] = [];

  add(request: FaultRequest): { id: string } {
    if (request.status === undefined && request.delayMs === undefined) throw badRequest('BadArgument', 'Give a status, a delayMs, or both', 'status');
    const fault = { ...request, id: randomUUID(), remaining: request.count };
    this.faults.push(fault);
    return { id: fault.id };
  }

  /** Whether any fault is queued: the hot path checks this before doing anything else. */
  get pending(): boolean {
    return this.faults.length > 0;
  }

  list(): { id: string; remaining: number; status?: number; pathPattern?: string; method?: string; delayMs?: number }[] {
    return this.faults.map(({ id, remaining, status, pathPattern, method, delayMs }) => ({ id, remaining, status, pathPattern, method, delayMs }));
  }

  clear(): void {
    this.faults = [];
  }

  /** Applies the first matching fault to a call; true when it answered the call itself. */
  async apply(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const path = (request.url.split('?')[0] ?? '').replace(/^\/api/, '');
    const matches = (glob: string | undefined) => glob === undefined || (path.length <= MAX_PATH && globMatches(glob, path));
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method === request.method) && matches(f.pathPattern));
    if (!fault) return false;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    if (fault.delayMs) await sleep(fault.delayMs);
    if (fault.status === undefined) return false;
    if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
    const message = `Injected fault ${fault.id}`;
    await reply.status(fault.status).send(fault.status >= 500 ? { error: { code: 'InjectedFault', message } } : { code: 'InjectedFault', message });
    return true;
  }
}
