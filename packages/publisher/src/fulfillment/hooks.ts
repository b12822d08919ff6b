// The vendor's own code, called at the points that need it: provision a purchase before activating it,
// decide on a customer's plan or seat change, restore access on reinstatement. Given as a JS module
// exporting any of these functions, or (provisioning) as an HTTP callback URL.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { systemClock } from '@saas-fulfillment/contract';
import { Webhook } from 'standardwebhooks';
import path from 'node:path';
import type { LocalSubscription } from '../model/subscription.js';

export interface ChangeRequest {
  subscription: LocalSubscription;
  action: 'ChangePlan' | 'ChangeQuantity';
  planId: string | undefined;
  quantity: number | undefined;
  operationId: string;
}

export interface Decision {
  accept: boolean;
  reason?: string;
}

export interface PublisherHooks {
  /** Sets up the customer's tenant; throw to refuse (retried, visible in the console). */
  provision(subscription: LocalSubscription): Promise<void>;
  /** Accept or reject a customer's plan/seat change; must answer well within 10 seconds. */
  decide(change: ChangeRequest): Promise<Decision>;
  /** Restores access after a Suspended subscription is paid; throw to leave it Suspended for now. */
  restore(subscription: LocalSubscription): Promise<void>;
}

type PartialHooks = Partial<{ [K in keyof PublisherHooks]: PublisherHooks[K] }>;

const acceptAll: PublisherHooks = {
  provision: async () => {},
  decide: async () => ({ accept: true }),
  restore: async () => {},
};

/** Where purchases are POSTed for provisioning, and the Standard Webhooks secret (`whsec_…`) that signs them. */
export interface ProvisioningEndpoint {
  url: string;
  secret: string;
}

/** The hooks in force: the module's functions, the provisioning endpoint, and accept-everything defaults. */
export async function loadHooks(
  options: { module?: string | undefined; provisioning?: ProvisioningEndpoint | undefined; fetch?: typeof fetch },
  given: PartialHooks = {},
): Promise<PublisherHooks> {
  let fromModule: PartialHooks = {};
  if (options.module) {
    const url = pathToFileURL(path.resolve(options.module)).href;
    fromModule = (await import(url)) as PartialHooks;
  }
  const hooks: PublisherHooks = { ...acceptAll, ...pick(fromModule), ...given };
  if (options.provisioning && !given.provision && !fromModule.provision) hooks.provision = httpProvisioner(options.provisioning, options.fetch ?? fetch);
  return { provision: traced('provision', hooks.provision), decide: traced('decide', hooks.decide), restore: traced('restore', hooks.restore) };
}

const tracer = trace.getTracer('saas-fulfillment-publisher');

/** The vendor's hook in a span of its own (`hook decide`...): in a trace, its time and its failures show apart. */
function traced<A extends unknown[], R>(name: string, hook: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) =>
    tracer.startActiveSpan(`hook ${name}`, async (span) => {
      try {
        return await hook(...args);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
}

function pick(module: PartialHooks): PartialHooks {
  const out: PartialHooks = {};
  if (typeof module.provision === 'function') out.provision = module.provision;
  if (typeof module.decide === 'function') out.decide = module.decide;
  if (typeof module.restore === 'function') out.restore = module.restore;
  return out;
}

/**
 * POSTs the subscription to the vendor's provisioning endpoint, signed as the events to the vendor's app
 * are (Standard Webhooks), so the endpoint can tell the publisher from anyone else; any 2xx is success.
 * The timestamp is real time: the receiver checks it against its own clock.
 */
function httpProvisioner(endpoint: ProvisioningEndpoint, fetcher: typeof fetch): PublisherHooks['provision'] {
  const signer = new Webhook(endpoint.secret);
  return async (subscription) => {
    const body = JSON.stringify({
      subscriptionId: subscription.id,
      offerId: subscription.offerId,
      planId: subscription.planId,
      quantity: subscription.quantity,
      beneficiary: subscription.beneficiary,
      purchaser: subscription.purchaser,
    });
    const id = `provision_${randomUUID()}`;
    const at = systemClock.now();
    const response = await fetcher(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(id, at, body),
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`provisioning endpoint answered HTTP ${response.status}`);
  };
}
