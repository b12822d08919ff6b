// `saas-fulfillment clock [advance <duration>]`: reads or moves a running emulator's marketplace clock;
// `saas-fulfillment reset`: empties its state.
import { parseDuration } from '@saas-fulfillment/contract/values';
import { ConfigError } from '../settings/read.js';
import { noPositionals, type Command } from '../command.js';
import { aheadWords, CONTROL_HELP, CONTROL_OPTIONS, report, simulatorFor, utc } from './control.js';

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
      report(flags, clock, () => [
        `Marketplace time: ${utc(clock.now)}${clock.offsetMs ? ` (${aheadWords(clock.offsetMs)} ahead of real time)` : ' (real time)'}`,
      ]);
      return 0;
    }
    if (verb !== 'advance') throw new ConfigError(`clock: unknown verb '${verb}'; use 'clock advance <duration>'`);
    if (duration === undefined) throw new ConfigError('clock advance needs a duration, such as P1D or P1M');
    if (rest.length > 0) throw new ConfigError(`clock advance takes one duration; got also '${rest[0]}'`);
    if (!parseDuration(duration))
      throw new ConfigError(`clock advance: '${duration}' is not an ISO 8601 duration; write P1D (a day), PT1H (an hour), P1M (a month) or P1DT12H`);
    const moved = await simulator.advanceClock(duration);
    const { offsetMs } = await simulator.clock();
    const ran = `${moved.applied} scheduled event${moved.applied === 1 ? '' : 's'} ran`;
    report(flags, moved, () => [`Marketplace time is now ${utc(moved.now)} (${aheadWords(offsetMs)} ahead of real time): ${ran}.`]);
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
    const done = await simulatorFor(flags).reset();
    report(flags, { reset: done }, () => [
      done.seeded
        ? 'The emulator was reset to its seed; its clock is back to real time.'
        : 'The emulator was reset: no subscriptions, operations, webhooks or usage; its clock is back to real time.',
      done.publisherToo
        ? 'The publisher service beside it (dev) forgot its subscriptions, jobs and usage too.'
        : 'No publisher runs beside it: a publisher of your own keeps its data (point it at a fresh data folder or database to start over).',
    ]);
    return 0;
  },
};
