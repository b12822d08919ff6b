// `saas-fulfillment logs`: the request inspector in the terminal: each API call the emulator answered
// (when, who, the call, the answer, how long), newest last; --follow prints new ones as they come.
import { ConfigError, stringFlag, type Flags } from '../settings/read.js';
import type { InspectedCall, SimulatorClient } from '@saas-fulfillment/marketplace/simulator-client';
import type { Command } from '../command.js';
import { CONTROL_HELP, CONTROL_OPTIONS, clockNote, followUntilStopped, report, simulatorFor, utc } from './control.js';
import { limitFlag } from './webhooks.js';

export const logsCommand: Command = {
  name: 'logs',
  usage: `Usage: saas-fulfillment logs [options]

Lists the calls the emulator answered on Microsoft's behalf (the fulfillment and metering APIs, the
token endpoints), newest last: when, the calling app, method and path, the status and how long it took.
Secrets (client secrets, assertions, access and landing tokens) are never shown. --json prints each
call with its request and answer bodies.

Options:
  --follow                 keep printing calls as they are answered (Ctrl-C to stop)
  --limit <n>              how many recent calls to show first (default 20)
  --subscription <id>      only the calls about this subscription
${CONTROL_HELP}`,
  options: { ...CONTROL_OPTIONS, follow: { type: 'boolean' }, limit: { type: 'string' }, subscription: { type: 'string' } },
  async run(flags, positionals) {
    if (positionals.length > 0) throw new ConfigError(`logs takes no argument '${positionals[0]}'; see 'logs --help'`);
    const simulator = simulatorFor(flags);
    const subscriptionId = stringFlag(flags, 'subscription');
    const calls = await simulator.requests({ subscriptionId, limit: limitFlag(flags) });
    const note = await clockNote(simulator, flags);
    if (flags.follow) {
      for (const line of note) process.stdout.write(`${line}\n`);
      return follow(simulator, flags, calls, subscriptionId);
    }
    report(flags, calls, () => (calls.length ? [...note, ...calls.map(line)] : ['No calls yet: nothing has called the marketplace API.']));
    return 0;
  },
};

/** Prints what was read, then each newer call, until interrupted. */
async function follow(simulator: SimulatorClient, flags: Flags, first: InspectedCall[], subscriptionId: string | undefined): Promise<number> {
  const print = (call: InspectedCall) => process.stdout.write(`${flags.json ? JSON.stringify(call) : line(call)}\n`);
  first.forEach(print);
  // With nothing shown yet, follow from the newest call of all: older ones were left out on purpose.
  let after = first.at(-1)?.seq ?? (await simulator.requests({ limit: 1 })).at(-1)?.seq ?? 0;
  if (!flags.json) process.stdout.write('Following: new calls appear as they are answered (Ctrl-C to stop).\n');
  return followUntilStopped(300, async () => {
    const newer = await simulator.requests({ subscriptionId, after, limit: 1000 });
    newer.forEach(print);
    after = newer.at(-1)?.seq ?? after;
  });
}

function line(call: InspectedCall): string {
  return [
    utc(call.at),
    (call.publisherId ?? call.clientId?.slice(0, 8) ?? 'anonymous').padEnd(10),
    String(call.status).padEnd(3),
    `${call.durationMs} ms`.padStart(9),
    `${call.method} ${call.path}`,
  ].join('  ');
}
