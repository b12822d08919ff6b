// `saas-fulfillment webhooks`: the emulator's delivery log; `--follow` tails it; `redeliver <id>` sends
// one again.
import { ConfigError, stringFlag, type Flags } from '../settings/read.js';
import type { DeliveryView, SimulatorClient } from '@saas-fulfillment/marketplace/simulator-client';
import type { Command } from '../command.js';
import { CONTROL_HELP, CONTROL_OPTIONS, clockNote, followUntilStopped, report, simulatorFor, utc } from './control.js';

export const webhooksCommand: Command = {
  name: 'webhooks',
  usage: `Usage: saas-fulfillment webhooks [redeliver <deliveryId>] [options]

Lists the webhooks the emulator sent, newest last: when, action, delivery status, attempts, the last
answer, the subscription and the delivery id. 'redeliver' sends a past delivery again (same operation
and payload) to the publisher's current webhook.

Options:
  --follow                 keep printing deliveries as they are sent and settled (Ctrl-C to stop)
  --limit <n>              how many recent deliveries to show first (default 20)
  --subscription <id>      only this subscription's
${CONTROL_HELP}`,
  options: { ...CONTROL_OPTIONS, follow: { type: 'boolean' }, limit: { type: 'string' }, subscription: { type: 'string' } },
  async run(flags, positionals) {
    const [verb, id, ...rest] = positionals;
    const simulator = simulatorFor(flags);
    if (verb === 'redeliver') {
      if (id === undefined) throw new ConfigError('webhooks redeliver needs a delivery id (see the list)');
      if (rest.length > 0) throw new ConfigError(`webhooks redeliver takes one id; got also '${rest[0]}'`);
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
        throw new ConfigError(`webhooks redeliver: '${id}' is not a delivery id; each line of 'saas-fulfillment webhooks' ends with one (a GUID)`);
      const sent = await simulator.redeliver(id);
      report(flags, sent, () => [`Sent again as delivery ${sent.deliveryId} to ${sent.url}`]);
      return 0;
    }
    if (verb !== undefined) throw new ConfigError(`webhooks: unknown verb '${verb}'; use 'webhooks' or 'webhooks redeliver <id>'`);
    const limit = limitFlag(flags);
    const subscriptionId = stringFlag(flags, 'subscription');
    if (flags.follow) return follow(simulator, flags, limit, subscriptionId);
    const deliveries = (await simulator.webhooks({ limit, subscriptionId })).reverse();
    const note = await clockNote(simulator, flags);
    report(flags, deliveries, () => (deliveries.length ? [...note, ...deliveries.map(line)] : ['No webhooks sent yet.']));
    return 0;
  },
};

/** How many recent deliveries each look of --follow reads. */
const FOLLOW_WINDOW = 200;

/** Prints the recent deliveries, then each new one and each change of status, until interrupted. */
async function follow(simulator: SimulatorClient, flags: Flags, limit: number, subscriptionId: string | undefined): Promise<number> {
  const seen = new Map<string, string>();
  const print = (d: DeliveryView) => process.stdout.write(`${flags.json ? JSON.stringify(d) : line(d)}\n`);
  const window = Math.max(FOLLOW_WINDOW, limit);
  const poll = async (show?: number) => {
    const deliveries = (await simulator.webhooks({ limit: window, subscriptionId })).reverse();
    // The first look marks everything it reads as seen and shows only the last `show`: later looks read
    // the same window, and an old delivery must not come back as new.
    const shown = show === undefined ? deliveries : deliveries.slice(-show);
    for (const d of deliveries) {
      const state = `${d.status}/${d.attempts}`;
      if (seen.get(d.id) === state) continue;
      seen.set(d.id, state);
      if (shown.includes(d)) print(d);
    }
  };
  for (const note of await clockNote(simulator, flags)) process.stdout.write(`${note}\n`);
  await poll(limit);
  if (!flags.json) process.stdout.write('Following: new deliveries appear as they are sent (Ctrl-C to stop).\n');
  return followUntilStopped(500, () => poll());
}

function line(d: DeliveryView): string {
  const answer = d.lastStatusCode !== null ? String(d.lastStatusCode) : (d.lastError ?? '—');
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  return [
    utc(d.created),
    d.action.padEnd(14),
    d.status.padEnd(9),
    attempts.padEnd(11),
    answer.padEnd(5),
    `subscription ${d.subscriptionId}`,
    `delivery ${d.id}`,
  ].join('  ');
}

/** --limit: how many recent entries to show first (1 to 1000, default 20). */
export function limitFlag(flags: Flags): number {
  const value = stringFlag(flags, 'limit') ?? '20';
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1) throw new ConfigError(`--limit must be a whole number from 1 to 1000; got '${value}'`);
  return Math.min(Number(value), 1000);
}
