// The vendor's own code, called at the points that need it: provision a purchase before activating it,
// decide on a customer's plan or seat change, restore access on reinstatement. Given as a JS module
// exporting any of these functions, or (provisioning) as an HTTP callback URL.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { LocalSubscription } from '../model.js';

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

/** The hooks in force: the module's functions, the provisioning URL, and accept-everything defaults. */
export async function loadHooks(
  options: { module?: string | undefined; provisioningUrl?: string | undefined; fetch?: typeof fetch },
  given: PartialHooks = {},
): Promise<PublisherHooks> {
  let fromModule: PartialHooks = {};
  if (options.module) {
    const url = pathToFileURL(path.resolve(options.module)).href;
    fromModule = (await import(url)) as PartialHooks;
  }
  const hooks: PublisherHooks = { ...acceptAll, ...pick(fromModule), ...given };
  if (options.provisioningUrl && !given.provision && !fromModule.provision) hooks.provision = httpProvisioner(options.provisioningUrl, options.fetch ?? fetch);
  return hooks;
}

function pick(module: PartialHooks): PartialHooks {
  const out: PartialHooks = {};
  if (typeof module.provision === 'function') out.provision = module.provision;
  if (typeof module.decide === 'function') out.decide = module.decide;
  if (typeof module.restore === 'function') out.restore = module.restore;
  return out;
}

/** POSTs the subscription to the vendor's provisioning endpoint; any 2xx is success. */
function httpProvisioner(url: string, fetcher: typeof fetch): PublisherHooks['provision'] {
  return async (subscription) => {
    const response = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscriptionId: subscription.id,
        offerId: subscription.offerId,
        planId: subscription.planId,
        quantity: subscription.quantity,
        beneficiary: subscription.beneficiary,
        purchaser: subscription.purchaser,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`provisioning endpoint answered HTTP ${response.status}`);
  };
}
