// Where a running `dev` is: it writes its URLs into its data folder while it runs, and the commands that
// drive an emulator (trigger, clock, webhooks, ...) read them when given no URL, so the commands the README
// prints reach the emulator of `npm start` on whatever ports it took (`--marketplace-port 5110`).
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileSafely } from './files.js';

export interface DevState {
  marketplaceUrl: string;
  publisherUrl: string;
  productUrl?: string | undefined;
  /** The dev process: a state whose process is gone is not read. */
  pid: number;
}

const FILE = 'dev.json';

/** Written at start (owner-only), removed at stop; returns the removal. */
export function writeDevState(dataDir: string, state: DevState): () => void {
  const file = path.join(dataDir, FILE);
  writeFileSafely(file, `${JSON.stringify(state, null, 2)}\n`);
  return () => rmSync(file, { force: true });
}

/** The state of a `dev` running from `dataDir` (default ./data, where `npm start` keeps it), if one is. */
export function readDevState(dataDir = process.env.DATA_DIR?.trim() || 'data'): (DevState & { file: string }) | undefined {
  const file = path.resolve(dataDir, FILE);
  let state: DevState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as DevState;
  } catch {
    return undefined;
  }
  if (typeof state.marketplaceUrl !== 'string' || !Number.isInteger(state.pid) || !alive(state.pid)) return undefined;
  return { ...state, file };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
