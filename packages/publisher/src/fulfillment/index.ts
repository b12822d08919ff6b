// The publisher's fulfillment, by responsibility: the projection (the local copy of each subscription,
// which the others call), activation, the webhook inbox, and publisher-initiated changes.
import { Activation } from './activation.js';
import { PublisherChanges } from './changes.js';
import type { FulfillmentDeps } from './context.js';
import { WebhookInbox } from './inbox.js';
import { Projection } from './projection.js';

export interface PublisherFulfillment {
  projection: Projection;
  activation: Activation;
  inbox: WebhookInbox;
  changes: PublisherChanges;
  /** Reconciliation: the local copies brought to the marketplace's, then what waits on us without a webhook taken in. */
  reconcile(): Promise<{ checked: number; repaired: number; adopted: number }>;
}

export function createFulfillment(deps: FulfillmentDeps): PublisherFulfillment {
  const projection = new Projection(deps);
  const inbox = new WebhookInbox(deps, projection);
  return {
    projection,
    activation: new Activation(deps, projection),
    inbox,
    changes: new PublisherChanges(deps, projection),
    async reconcile() {
      const { checked, repaired, suspended } = await projection.reconcile();
      return { checked, repaired, adopted: await inbox.adoptOutstanding(suspended) };
    },
  };
}
