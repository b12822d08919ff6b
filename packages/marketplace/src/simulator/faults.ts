// Chaos on demand: the simulator's control API queues faults that the next matching marketplace API calls
// suffer (an error status, optionally with Retry-After, and/or added latency; or a call carried out whose
// answer is late or never comes), so a publisher can prove its retries, timeouts and idempotency. Kept in
// memory: a restart clears them.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultRequest } from '../model/simulator.js';
import { globMatches } from './glob.js';
import { MarketplaceErrors as E } from '../errors.js';

interface Fault extends FaultRequest {
  id: string;
  remaining: number;
}

/** Calls carried out whose answer a fault holds back or loses. */
const afterCall = new WeakMap<FastifyRequest, Fault>();

/** What happens to a call's answer once it was carried out (an onSend hook of the API; most calls pass straight on). */
export function holdBackAnswer(request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
  const fault = afterCall.get(request);
  if (!fault) {
    done(null, payload);
    return;
  }
  void sleep(fault.answerDelayMs ?? 0).then(() => {
    if (fault.lostAnswer) request.raw.socket.destroy();
    done(null, payload);
  });
}

/** Longer paths are never matched: a bound on the matcher's work, far above any real API path. */
const MAX_PATH = 2000;

export class FaultInjector {
  private faults: Fault[] = [];

  add(request: FaultRequest): { id: string } {
    const afterwards = request.answerDelayMs !== undefined || request.lostAnswer === true;
    if (request.status === undefined && request.delayMs === undefined && !afterwards) throw E.faultEmpty();
    if (request.status !== undefined && afterwards) throw E.faultStatusAndAfter();
    const fault = { ...request, id: randomUUID(), remaining: request.count };
    this.faults.push(fault);
    return { id: fault.id };
  }

  /** Whether any fault is queued: the hot path checks this before doing anything else. */
  get pending(): boolean {
    return this.faults.length > 0;
  }

  list(): Omit<Fault, 'count'>[] {
    return this.faults.map(({ count: _, ...fault }) => fault);
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
    if (fault.answerDelayMs !== undefined || fault.lostAnswer) afterCall.set(request, fault);
    if (fault.status === undefined) return false;
    if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
    const message = `Injected fault ${fault.id}`;
    await reply.status(fault.status).send(fault.status >= 500 ? { error: { code: 'InjectedFault', message } } : { code: 'InjectedFault', message });
    return true;
  }
}
