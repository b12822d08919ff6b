// Snapshots of the emulator's state: exported as one versioned document, imported back (here or into a
// later version) after checking it whole: its shape, the catalog it leans on, and that every row it
// points at is in it. Nothing is written unless all of it is sound, and then all of it in one transaction.
import { validate, type AdjustableClock } from '@saas-fulfillment/contract';
import type { Catalog } from '../catalog.js';
import type { PublisherEndpoints } from '../endpoints.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { StateTables } from '../model/state.js';
import { MarketplaceState, STATE_FORMAT, STATE_VERSION } from './documents.js';
import type { MarketplaceStore } from '../store/repository.js';
import { CLOCK_OFFSET } from './clock.js';
import { withOthers } from './seed.js';

export interface SnapshotDeps {
  store: MarketplaceStore;
  catalog: Catalog;
  clock: AdjustableClock;
  endpoints: PublisherEndpoints;
  /** After an import: work that fell due (deliveries, operations) runs now. */
  imported: () => void;
}

/** How many rows of each table a snapshot held. */
export type StateCounts = Record<keyof StateTables, number>;

export class StateSnapshots {
  constructor(private readonly deps: SnapshotDeps) {}

  async export(): Promise<MarketplaceState> {
    const { store, catalog, clock, endpoints } = this.deps;
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      exportedAt: new Date().toISOString(),
      clock: { offsetMs: clock.offset },
      catalog: catalog.config,
      endpoints: endpoints.runtime(),
      ...(await store.readState()),
    };
  }

  /** Replaces the whole state with the document's; refused whole (400 naming the field, 409 for another catalog). */
  async import(document: unknown): Promise<StateCounts> {
    const state = checkedState(document);
    this.checkAgainstCatalog(state);
    checkReferences(state);
    const { store, clock, endpoints } = this.deps;
    await store.replaceState(state);
    clock.reset();
    clock.advance(state.clock.offsetMs);
    await store.settings.set(CLOCK_OFFSET, String(clock.offset));
    await endpoints.replace(state.endpoints);
    this.deps.imported();
    return countsOf(state);
  }

  /** Every publisher, offer and plan the state names must be in the running catalog. */
  private checkAgainstCatalog(state: MarketplaceState): void {
    const { catalog } = this.deps;
    const rows = [
      ...state.subscriptions.map((row, i) => ({ row, at: `subscriptions[${i}]` })),
      ...state.operations.map((row, i) => ({ row, at: `operations[${i}]` })),
      ...state.usage.map((row, i) => ({ row, at: `usage[${i}]` })),
    ];
    for (const { row, at } of rows) {
      const found = catalog.offer(row.offerId);
      if (!found || found.publisher.publisherId !== row.publisherId) throw E.catalogDiffers(`${at} (offer '${row.offerId}' of publisher '${row.publisherId}')`);
      if (!catalog.plan(row.offerId, row.planId)) throw E.catalogDiffers(`${at} (plan '${row.planId}' of offer '${row.offerId}')`);
    }
    for (const publisherId of Object.keys(state.endpoints)) {
      if (!catalog.publisher(publisherId)) throw E.catalogDiffers(`endpoints.${publisherId}`);
    }
  }
}

/** The document, if it is a state document of a version this emulator reads and of the right shape. */
function checkedState(document: unknown): MarketplaceState {
  const head = (typeof document === 'object' && document !== null ? document : {}) as { format?: unknown; version?: unknown };
  if (head.format !== STATE_FORMAT)
    throw E.documentInvalid(
      'format',
      `must be '${STATE_FORMAT}': a state document is what 'saas-fulfillment state export' or GET /simulator/state writes (a seed goes to --seed or POST /simulator/seed)`,
    );
  if (typeof head.version === 'number' && head.version > STATE_VERSION) throw E.stateFromLaterVersion(head.version, STATE_VERSION);
  const errors = validate(MarketplaceState, document);
  const [first] = errors;
  if (first) throw E.documentInvalid(first.field || 'state', withOthers(first.message, errors.slice(1)));
  return document as MarketplaceState;
}

/** Keys are unique and every row's parent is in the document: the database would refuse it less kindly. */
function checkReferences(state: MarketplaceState): void {
  const subscriptions = uniqueKeys(state.subscriptions, 'subscriptions', (s) => s.id);
  const operations = uniqueKeys(state.operations, 'operations', (o) => o.id);
  uniqueKeys(state.landingTokens, 'landingTokens', (t) => t.tokenHash);
  uniqueKeys(state.deliveries, 'deliveries', (d) => d.id);
  uniqueKeys(state.inbox, 'inbox', (e) => e.id);
  uniqueKeys(state.usage, 'usage', (u) => u.usageEventId);
  uniqueKeys(state.usage, 'usage', (u) => `${u.resourceId} ${u.dimension} ${u.hour}`, 'repeats the resource, dimension and hour of');
  const pointsAt = <T>(rows: T[], table: string, field: string, parent: (row: T) => string, parents: Set<string>) =>
    rows.forEach((row, i) => {
      if (!parents.has(parent(row))) throw E.documentInvalid(`${table}[${i}].${field}`, `names ${parent(row)}, which the document does not hold`);
    });
  pointsAt(state.landingTokens, 'landingTokens', 'subscriptionId', (t) => t.subscriptionId, subscriptions);
  pointsAt(state.operations, 'operations', 'subscriptionId', (o) => o.subscriptionId, subscriptions);
  pointsAt(state.deliveries, 'deliveries', 'operationId', (d) => d.operationId, operations);
  pointsAt(state.usage, 'usage', 'resourceId', (u) => u.resourceId, subscriptions);
  state.deliveries.forEach((d, i) => {
    uniqueKeys(d.attemptLog, `deliveries[${i}].attemptLog`, (a) => String(a.attempt));
  });
}

function uniqueKeys<T>(rows: T[], table: string, key: (row: T) => string, repeats = 'repeats the id of'): Set<string> {
  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const earlier = seen.get(key(row));
    if (earlier !== undefined) throw E.documentInvalid(`${table}[${i}]`, `${repeats} ${table}[${earlier}]`);
    seen.set(key(row), i);
  });
  return new Set(seen.keys());
}

function countsOf(tables: StateTables): StateCounts {
  return {
    subscriptions: tables.subscriptions.length,
    landingTokens: tables.landingTokens.length,
    operations: tables.operations.length,
    deliveries: tables.deliveries.length,
    inbox: tables.inbox.length,
    usage: tables.usage.length,
  };
}
