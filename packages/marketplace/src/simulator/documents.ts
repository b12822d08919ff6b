// The documents the simulator reads and writes: a state snapshot (GET and PUT /simulator/state, `--import`,
// `--export-on-exit`), one versioned JSON document of every table, the clock, the run-time endpoints and,
// for reference, the catalog; and a seed (`--seed`, POST /simulator/seed), the state an emulator starts
// from or a test resets to, written by hand: offers and plans, endpoints, subscriptions in any state
// (bought and waiting for the landing page, active N days into their term, suspended, cancelled, in a
// change the publisher has yet to acknowledge, with usage already sent). Unknown fields are refused.
import { StringEnum, Uuid } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { CatalogConfig } from '../catalog.js';
import { EndpointsBody } from '../endpoints.js';
import { PurchaseRequest } from '../model/simulator.js';
import { StateTables } from '../model/state.js';
import { StoredTime } from '../model/subscriptions.js';

/** What names the document, so that a file of something else is refused by name rather than field by field. */
export const STATE_FORMAT = 'saas-fulfillment/marketplace-state';
/** Raised only when the document's shape changes; a later emulator upgrades every earlier version it knows. */
export const STATE_VERSION = 1;

/**
 * The largest state document the emulator takes, as JSON: about 10,000 subscriptions with their
 * operations, webhooks and usage. A larger one is refused whole (413) before it is read.
 */
export const STATE_SIZE_LIMIT = 32 * 1024 * 1024;
/** The largest seed, as JSON (a YAML seed counts as its aliases expanded): 100,000 short entries. */
export const SEED_SIZE_LIMIT = 16 * 1024 * 1024;

/** A century: a clock moved further would name instants past what a date can hold. */
const MAX_CLOCK_OFFSET_MS = 100 * 366 * 24 * 60 * 60 * 1000;

export const MarketplaceState = Type.Object(
  {
    format: Type.Literal(STATE_FORMAT),
    version: Type.Integer({ minimum: 1 }),
    exportedAt: StoredTime,
    /** The simulator's clock: how far it runs ahead of real time. */
    clock: Type.Object({ offsetMs: Type.Integer({ minimum: 0, maximum: MAX_CLOCK_OFFSET_MS }) }),
    /** The catalog the state was made against (secrets included: it is a development catalog). */
    catalog: Type.Optional(CatalogConfig),
    /** Endpoints set at run time, per publisher (the catalog's and the built-in ones are not state). */
    endpoints: Type.Record(Type.String(), EndpointsBody),
    ...StateTables.properties,
  },
  { additionalProperties: false },
);
export type MarketplaceState = Type.Static<typeof MarketplaceState>;

const SEED_STATUSES = ['PendingFulfillmentStart', 'Subscribed', 'Suspended', 'Unsubscribed'] as const;

export const SeedSubscription = Type.Object(
  {
    ...PurchaseRequest.properties,
    /** A fixed id, so that tests and docs can name it (made up when absent). */
    id: Type.Optional(Uuid),
    /** Where it stands (default PendingFulfillmentStart: bought, landing page not yet visited). */
    status: Type.Optional(StringEnum(SEED_STATUSES)),
    /** Subscribed, Suspended or Unsubscribed: how many days ago its current term started (default 0). */
    termStartedDaysAgo: Type.Optional(Type.Integer({ minimum: 0, maximum: 3660 })),
    /** Suspended: how many days ago (default 0); the grace period runs from then. */
    suspendedDaysAgo: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })),
    /** A landing token that resolves to it, as given (the real ones are opaque; this one a test can type). */
    landingToken: Type.Optional(Type.String({ minLength: 8, maxLength: 2000 })),
    /** Subscribed: a change the customer made that waits on the publisher's acknowledgement (its webhook is sent). */
    pendingChange: Type.Optional(
      Type.Object(
        { planId: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) },
        { additionalProperties: false, minProperties: 1, maxProperties: 1 },
      ),
    ),
    /** Usage the metering service already accepted, an event per hour. */
    usage: Type.Optional(
      Type.Array(
        Type.Object(
          {
            dimension: Type.String({ minLength: 1, maxLength: 50 }),
            quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }),
            /** The hour it was for, counted back from now (0: this hour). */
            hoursAgo: Type.Integer({ minimum: 0, maximum: 24 * 400 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 10_000 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SeedSubscription = Type.Static<typeof SeedSubscription>;

export const Seed = Type.Object(
  {
    /** An editor's schema reference; not read. */
    $schema: Type.Optional(Type.String()),
    /** Publishers, offers and plans, as `--config` takes them. At run time it must be the catalog the emulator runs. */
    catalog: Type.Optional(CatalogConfig),
    /** Connection webhook and landing page per publisher id. */
    endpoints: Type.Optional(Type.Record(Type.String(), EndpointsBody)),
    subscriptions: Type.Optional(Type.Array(SeedSubscription, { maxItems: 100_000 })),
  },
  { additionalProperties: false },
);
export type Seed = Type.Static<typeof Seed>;
