// What the commands that drive a running emulator share: where it is, and how to print an answer
// (words for people, one JSON document for scripts).
import { httpUrl, stringFlag, type Flags } from '../settings/read.js';
import { SimulatorClient } from '@saas-fulfillment/marketplace/simulator-client';
import { untilSignal, type Options } from '../command.js';
import { readDevState } from '../dev-state.js';

export const DEFAULT_MARKETPLACE_URL = 'http://127.0.0.1:4010';

export const CONTROL_OPTIONS: Options = {
  'marketplace-url': { type: 'string' },
  'control-token': { type: 'string' },
  json: { type: 'boolean' },
};

export const CONTROL_HELP = `  --marketplace-url <url>  the emulator (env MARKETPLACE_URL; default: the one 'dev' runs from ./data, else ${DEFAULT_MARKETPLACE_URL})
  --control-token <token>  the emulator's control token, if it was started with one (env SIMULATOR_CONTROL_TOKEN)
  --json                   print JSON for scripts instead of words
`;

/**
 * The emulator to drive: --marketplace-url, else MARKETPLACE_URL, else the one `dev` runs from ./data (it
 * writes where it listens: dev-state.ts), else the default port.
 */
export function simulatorFor(flags: Flags): SimulatorClient {
  const given = stringFlag(flags, 'marketplace-url');
  const controlToken = stringFlag(flags, 'control-token') ?? (process.env.SIMULATOR_CONTROL_TOKEN?.trim() || undefined);
  const url =
    (given && httpUrl(given, '--marketplace-url')) || process.env.MARKETPLACE_URL?.trim() || readDevState()?.marketplaceUrl || DEFAULT_MARKETPLACE_URL;
  return new SimulatorClient(url, { controlToken });
}

/** An instant as every command prints one: `2026-12-25 19:48:46 UTC`. */
export const utc = (iso: string) => `${iso.replace('T', ' ').slice(0, 19)} UTC`;

/** How far the marketplace clock runs ahead of real time, in words: "30 days", "2 hours", "5 minutes". */
export function aheadWords(ms: number): string {
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (ms >= 86_400_000) return unit(Math.round(ms / 8_640_000) / 10, 'day');
  if (ms >= 3_600_000) return unit(Math.round(ms / 360_000) / 10, 'hour');
  return unit(Math.max(1, Math.round(ms / 60_000)), 'minute');
}

/** The line that says which clock the times of a list are on, when the marketplace's was moved (none otherwise). */
export async function clockNote(simulator: SimulatorClient, flags: Flags): Promise<string[]> {
  if (flags.json) return [];
  const { offsetMs } = await simulator.clock();
  return offsetMs > 0 ? [`Times are marketplace time, ${aheadWords(offsetMs)} ahead of real time.`] : [];
}

/** Prints `value` as JSON under --json, else the lines for people. */
export function report(flags: Flags, value: unknown, lines: () => string[]): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${lines().join('\n')}\n`);
}

/** Runs `poll` every `intervalMs` until Ctrl-C or SIGTERM (--follow); resolves 0 then. */
export async function followUntilStopped(intervalMs: number, poll: () => Promise<void>): Promise<number> {
  let stopped = false;
  const stop = untilSignal(async () => {
    stopped = true;
    return [];
  });
  while (!stopped) {
    await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, intervalMs))]);
    if (!stopped) await poll();
  }
  return 0;
}
