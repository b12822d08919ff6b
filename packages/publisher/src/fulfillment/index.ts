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
}

export function createFulfillment(deps: FulfillmentDeps): PublisherFulfillment {
  const projection = new Projection(deps);
  return {
    projection,
    activation: new Activation(deps, projection),
    inbox: new WebhookInbox(deps, projection),
    changes: new PublisherChanges(deps, projection),
  };
}
