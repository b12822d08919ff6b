// What the commands that drive a running emulator share: where it is, and how to print an answer
// (words for people, one JSON document for scripts).
import { httpUrl, stringFlag, type Flags } from '../settings/read.js';
import { SimulatorClient } from '@saas-fulfillment/marketplace/simulator-client';
import { untilSignal, type Options } from '../command.js';

const DEFAULT_MARKETPLACE_URL = 'http://127.0.0.1:4010';

export const CONTROL_OPTIONS: Options = {
  'marketplace-url': { type: 'string' },
  'control-token': { type: 'string' },
  json: { type: 'boolean' },
};

export const CONTROL_HELP = `  --marketplace-url <url>  the emulator (default ${DEFAULT_MARKETPLACE_URL}; env MARKETPLACE_URL)
  --control-token <token>  the emulator's control token, if it was started with one (env SIMULATOR_CONTROL_TOKEN)
  --json                   print JSON for scripts instead of words
`;

export function simulatorFor(flags: Flags): SimulatorClient {
  const given = stringFlag(flags, 'marketplace-url');
  const controlToken = stringFlag(flags, 'control-token') ?? (process.env.SIMULATOR_CONTROL_TOKEN?.trim() || undefined);
  return new SimulatorClient((given && httpUrl(given, '--marketplace-url')) ?? (process.env.MARKETPLACE_URL?.trim() || DEFAULT_MARKETPLACE_URL), {
    controlToken,
  });
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
