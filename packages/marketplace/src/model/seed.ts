// A seed: the state an emulator starts from (or a test resets to), written by hand. Offers and plans (a
// catalog), the publishers' endpoints and subscriptions in any state: bought and waiting for the landing
// page, active N days into their term, suspended, cancelled, in a plan change the publisher has yet to
// acknowledge, with usage already sent. YAML or JSON; unknown fields are refused, to catch typos.
import { StringEnum, Uuid } from '@saas-fulfillment/contract';
import Type from 'typebox';
import { CatalogConfig } from '../catalog.js';
import { EndpointsBody } from '../endpoints.js';
import { PurchaseRequest } from './simulator.js';

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
