// A publisher's webhook endpoint for tests: records every delivery and answers as scripted.
import Fastify from 'fastify';

interface ReceivedWebhook {
  authorization: string | undefined;
  body: Record<string, unknown> & { id: string; action: string; status: string; subscriptionId: string };
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status to answer next (per call); when empty, 200. A number > 10_000 means "hang that many ms, then 200". */
  script: number[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const app = Fastify();
  const received: ReceivedWebhook[] = [];
  const script: number[] = [];
  const waiters: (() => void)[] = [];
  app.post('/webhook', async (request, reply) => {
    received.push({ authorization: request.headers.authorization, body: request.body as ReceivedWebhook['body'], at: Date.now() });
    for (const wake of waiters.splice(0)) wake();
    const next = script.shift() ?? 200;
    // A hang ends early when the sender gives up (its connection closes).
    if (next > 10_000)
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, next - 10_000);
        request.raw.socket.once('close', () => resolve(clearTimeout(timer)));
      });
    return reply.status(next > 10_000 ? 200 : next).send({ ok: next < 300 });
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `${base}/webhook`,
    received,
    script,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${received.length}: ${received.map((r) => r.body.action).join(', ')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received;
    },
    close: () => app.close(),
  };
}
