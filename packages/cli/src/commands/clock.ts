// `saas-fulfillment clock [advance <duration>]`: reads or moves a running emulator's marketplace clock;
// `saas-fulfillment reset`: empties its state.
import { ConfigError } from '../settings/read.js';
import { noPositionals, type Command } from '../command.js';
import { CONTROL_HELP, CONTROL_OPTIONS, report, simulatorFor } from './control.js';

export const clockCommand: Command = {
  name: 'clock',
  usage: `Usage: saas-fulfillment clock [advance <ISO 8601 duration>] [options]

Without arguments, prints the marketplace's time. 'advance' moves it forward and runs what fell due:
renewals, trial ends, the end of a suspension's grace period, acknowledgement windows.
Durations: PT10S, PT1H, P1D, P1M, P1Y (and combinations such as P1DT12H).

Options:
${CONTROL_HELP}
Example: saas-fulfillment clock advance P1M
`,
  options: CONTROL_OPTIONS,
  async run(flags, positionals) {
    const [verb, duration, ...rest] = positionals;
    const simulator = simulatorFor(flags);
    if (verb === undefined) {
      const clock = await simulator.clock();
      report(flags, clock, () => [`Marketplace time: ${clock.now}${clock.offsetMs ? ` (${formatOffset(clock.offsetMs)} ahead of real time)` : ''}`]);
      return 0;
    }
    if (verb !== 'advance') throw new ConfigError(`clock: unknown verb '${verb}'; use 'clock advance <duration>'`);
    if (duration === undefined) throw new ConfigError('clock advance needs a duration, such as P1D or P1M');
    if (rest.length > 0) throw new ConfigError(`clock advance takes one duration; got also '${rest[0]}'`);
    const moved = await simulator.advanceClock(duration);
    report(flags, moved, () => [`Marketplace time is now ${moved.now}: ${moved.applied} scheduled event(s) ran.`]);
    return 0;
  },
};

export const resetCommand: Command = {
  name: 'reset',
  usage: `Usage: saas-fulfillment reset [options]

Empties subscriptions, operations, landing tokens, webhook deliveries, the inbox, usage and the request
log, and moves the clock back to real time; an emulator started with --seed (or given one by 'state
seed') returns to its seed instead. Signing keys and publisher endpoints stay. Under 'dev' (npm start) the
publisher service beside the emulator forgets its subscriptions, jobs, webhooks, audit trail and usage
too (its settings and console sessions stay); a publisher run on its own keeps its data: point it at a
fresh data folder or database to start over.

Options:
${CONTROL_HELP}`,
  options: CONTROL_OPTIONS,
  async run(flags, positionals) {
    noPositionals('reset', positionals);
    await simulatorFor(flags).reset();
    report(flags, { reset: true }, () => ['The emulator was reset (and, under dev, the publisher beside it).']);
    return 0;
  },
};

function formatOffset(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 1 ? `${Math.round(days * 10) / 10} days` : `${Math.round(ms / 60_000)} minutes`;
}
