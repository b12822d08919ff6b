// `saas-fulfillment state export|import|seed`: a running emulator's whole state out to a file and back
// (to share a scenario, or keep one for a test), and a hand-written seed loaded in its place.
import { readFile } from 'node:fs/promises';
import { writeFileSafely } from '../files.js';
import type { MarketplaceState, Seed } from '@saas-fulfillment/marketplace/simulator-client';
import { ConfigError } from '../settings/read.js';
import type { Command } from '../command.js';
import { CONTROL_HELP, CONTROL_OPTIONS, report, simulatorFor } from './control.js';

export const stateCommand: Command = {
  name: 'state',
  usage: `Usage: saas-fulfillment state export [<file>] [options]
       saas-fulfillment state import <file> [options]
       saas-fulfillment state seed <file> [options]

'export' writes the running emulator's whole state (subscriptions, landing tokens, operations, webhook
deliveries, the inbox, usage, the clock, run-time endpoints and the catalog) as one JSON document, to
<file> or standard output. 'import' replaces the state with such a document, made by this version or
an earlier one; the emulator must run a catalog that has the document's offers and plans (start it
with 'marketplace --import <file>' to take the document's own). 'seed' loads a seed file (YAML or JSON)
in place of the state; 'saas-fulfillment reset' returns to it from then on.

Options:
${CONTROL_HELP}
Examples:
  saas-fulfillment state export scenario.json
  saas-fulfillment state import scenario.json
  saas-fulfillment state seed test/seed.yaml
`,
  options: CONTROL_OPTIONS,
  async run(flags, positionals) {
    const [verb, file, ...rest] = positionals;
    if (rest.length > 0) throw new ConfigError(`state ${verb}: one file only; got also '${rest[0]}'`);
    const simulator = simulatorFor(flags);
    if (verb === 'export') {
      const state = await simulator.exportState();
      const text = `${JSON.stringify(state, null, 1)}\n`;
      if (file === undefined) process.stdout.write(text);
      else {
        try {
          writeFileSafely(file, text);
        } catch (error) {
          throw new ConfigError(`state export: cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
        report(flags, { file, subscriptions: state.subscriptions.length }, () => [`Wrote ${describe(state)} to ${file}.`]);
      }
      return 0;
    }
    if (verb !== 'import' && verb !== 'seed') throw new ConfigError(`state: unknown verb '${verb ?? ''}'; use export, import or seed`);
    if (file === undefined) throw new ConfigError(`state ${verb} needs a file`);
    if (verb === 'import') {
      const { imported } = await simulator.importState(await readJson(file));
      report(flags, imported, () => [
        `Imported ${imported.subscriptions} subscription(s), ${imported.operations} operation(s), ${imported.deliveries} webhook delivery(ies) and ${imported.usage} usage event(s).`,
      ]);
      return 0;
    }
    const { readDocumentFile } = await import('@saas-fulfillment/marketplace/documents');
    const { seeded } = await simulator.seed(readDocumentFile(file) as Seed);
    report(flags, seeded, () => [`Loaded the seed: ${seeded.subscriptions} subscription(s). 'saas-fulfillment reset' returns to it.`]);
    return 0;
  },
};

async function readJson(file: string): Promise<MarketplaceState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`state import: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as MarketplaceState;
  } catch (error) {
    throw new ConfigError(`state import: ${file} is not JSON: ${(error as Error).message}`);
  }
}

function describe(state: MarketplaceState): string {
  return `${state.subscriptions.length} subscription(s), ${state.operations.length} operation(s), ${state.deliveries.length} webhook delivery(ies) and ${state.usage.length} usage event(s)`;
}
