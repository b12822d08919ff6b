// `saas-fulfillment trigger <event>`: fires what the customer or Microsoft does, on a running emulator.
import { ConfigError, stringFlag, type Flags } from '../settings/read.js';
import { TERM_UNITS } from '@saas-fulfillment/contract/values';
import type { TermUnit } from '@saas-fulfillment/contract';
import { actionWords } from '@saas-fulfillment/web/words';
import type { CustomerActionRequest } from '@saas-fulfillment/marketplace/simulator-client';
import type { Command } from '../command.js';
import { CONTROL_HELP, CONTROL_OPTIONS, report, simulatorFor } from './control.js';

/** The events that act on an existing subscription, and the marketplace action each one is. */
const ACTIONS = {
  'change-plan': 'ChangePlan',
  'change-quantity': 'ChangeQuantity',
  suspend: 'Suspend',
  reinstate: 'Reinstate',
  unsubscribe: 'Unsubscribe',
  renew: 'Renew',
} as const satisfies Record<string, CustomerActionRequest['action']>;
type ActionEvent = keyof typeof ACTIONS;
const EVENTS = ['purchase', 'activate', ...Object.keys(ACTIONS)];

export const triggerCommand: Command = {
  name: 'trigger',
  usage: `Usage: saas-fulfillment trigger <event> [options]

Fires what a customer or Microsoft does, on a running emulator, and sends its webhook.

Events:
  purchase          a customer buys: --plan <id> [--offer <id>] [--quantity <n>] [--csp] [--free-trial]
                    [--name <text>] [--term P1M|P1Y|...] [--beneficiary-tenant <id>]
                    [--beneficiary-email <address>] [--activate]
                    prints subscriptionId, token, landingPageUrl; --activate also confirms it on the
                    publisher's landing page, as the buyer would (a plan the marketplace activates
                    itself is active at once)
  activate          --subscription <id>                   the buyer confirms on the publisher's landing page;
                                                          with no publisher attached, the emulator activates
                                                          as one would (Fulfillment API, its dev app)
  change-plan       --subscription <id> --plan <id>       the customer moves to another plan
  change-quantity   --subscription <id> --quantity <n>    the customer changes seats
  suspend           --subscription <id>                   payment failed
  reinstate         --subscription <id>                   payment fixed
  unsubscribe       --subscription <id>                   the customer cancels
  renew             --subscription <id>                   the term renews now
Each action prints the operationId.

Options:
  --offer <id>             offer to buy (default contoso-saas, the demo catalog's)
  --beneficiary-tenant <id>  the customer's tenant (a private plan is sold to the tenants it names)
  --beneficiary-email <address>  the customer's e-mail
${CONTROL_HELP}
Examples: saas-fulfillment trigger purchase --plan pro --quantity 5 --activate
          saas-fulfillment trigger purchase --plan partner-special --beneficiary-tenant 33333333-3333-4333-8333-333333333333
`,
  options: {
    ...CONTROL_OPTIONS,
    offer: { type: 'string' },
    plan: { type: 'string' },
    quantity: { type: 'string' },
    csp: { type: 'boolean' },
    'free-trial': { type: 'boolean' },
    name: { type: 'string' },
    term: { type: 'string' },
    subscription: { type: 'string' },
    'beneficiary-tenant': { type: 'string' },
    'beneficiary-email': { type: 'string' },
    activate: { type: 'boolean' },
  },
  async run(flags, positionals) {
    const [event, ...rest] = positionals;
    if (event === undefined) throw new ConfigError(`trigger needs an event: ${EVENTS.join(', ')}`);
    if (rest.length > 0) throw new ConfigError(`trigger takes one event; got also '${rest[0]}'`);
    if (event === 'purchase') return purchase(flags);
    if (event === 'activate') return activate(flags);
    if (!(event in ACTIONS)) throw new ConfigError(`unknown event '${event}': choose one of ${EVENTS.join(', ')}`);
    return act(event as ActionEvent, flags);
  },
};

async function purchase(flags: Flags): Promise<number> {
  const planId = required(flags, 'plan', 'purchase');
  const term = stringFlag(flags, 'term');
  if (term !== undefined && !(TERM_UNITS as readonly string[]).includes(term))
    throw new ConfigError(`--term must be one of ${TERM_UNITS.join(', ')}; got '${term}'`);
  const quantity = countFlag(flags, 'quantity');
  const name = stringFlag(flags, 'name');
  const beneficiary = beneficiaryFlags(flags);
  const simulator = simulatorFor(flags);
  const bought = await simulator.purchase({
    offerId: stringFlag(flags, 'offer') ?? 'contoso-saas',
    planId,
    ...(quantity !== undefined ? { quantity } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(term !== undefined ? { termUnit: term as TermUnit } : {}),
    ...(flags.csp ? { csp: true } : {}),
    ...(flags['free-trial'] ? { isFreeTrial: true } : {}),
    ...(beneficiary ? { beneficiary } : {}),
  });
  // A plan the marketplace activates itself (autoActivate) is active at once: nothing waits on a landing page.
  const { subscription } = await simulator.subscription(bought.subscriptionId);
  const activeAtOnce = subscription.saasSubscriptionStatus === 'Subscribed';
  const activated = flags.activate && !activeAtOnce ? await activateAsBuyer(flags, bought) : undefined;
  const status = activeAtOnce ? 'active-at-once' : activated ? 'activated' : 'waiting-for-landing-page';
  report(flags, { ...bought, status, ...(activated ? { activated } : {}) }, () => [
    `Purchased plan ${planId}: subscription ${bought.subscriptionId}`,
    ...(activeAtOnce
      ? [`  active         at once: the marketplace activates plan ${planId} itself and sent the publisher a Subscribe webhook`]
      : activated
        ? [`  activated      ${activationWords(activated)}`]
        : [
            `  waiting        for the publisher's landing page, where the buyer confirms (or run with --activate)`,
            `  landing page   ${bought.landingPageUrl}`,
            `  token          ${bought.token}`,
          ]),
  ]);
  return 0;
}

async function activate(flags: Flags): Promise<number> {
  const subscriptionId = required(flags, 'subscription', 'activate');
  const simulator = simulatorFor(flags);
  const { subscription } = await simulator.subscription(subscriptionId);
  if (subscription.saasSubscriptionStatus !== 'PendingFulfillmentStart') {
    const words = { Subscribed: 'already active', Suspended: 'suspended', Unsubscribed: 'cancelled' }[subscription.saasSubscriptionStatus as string];
    report(flags, { subscriptionId, status: subscription.saasSubscriptionStatus }, () => [
      `Subscription ${subscriptionId} is ${words ?? subscription.saasSubscriptionStatus}: there is no purchase to activate.`,
    ]);
    return 0;
  }
  // The buyer opens the landing page again ("Manage account"): a fresh token leads there.
  const link = await simulator.landingToken(subscriptionId);
  const activated = await activateAsBuyer(flags, link);
  report(flags, activated, () => [`Activated subscription ${subscriptionId}: ${activationWords(activated)}`]);
  return 0;
}

/** How a purchase was activated, and by whom: the publisher's landing page, or the emulator standing in for one. */
interface Activation {
  planId: string;
  quantity?: number;
  /** `publisher`: its landing page, as a buyer would (the publisher activated); `emulator`: no publisher attached, the emulator acted as one. */
  by: 'publisher' | 'emulator';
  landingPage: string;
}

/**
 * What the buyer does next: the publisher's landing page, confirmed as a browser would, then the
 * marketplace watched until the publisher has activated. An emulator with no publisher attached (its own
 * built-in landing page) activates as the publisher would, through the Fulfillment API with its dev app,
 * and says so.
 */
async function activateAsBuyer(flags: Flags, bought: { subscriptionId: string; landingPageUrl: string }): Promise<Activation> {
  const simulator = simulatorFor(flags);
  const landingPage = bought.landingPageUrl.split('?')[0] ?? bought.landingPageUrl;
  const { publishers } = await simulator.publishers();
  const builtIn = publishers.some((p) => p.landingPageSource === 'built-in' && p.landingPageUrl === landingPage);
  if (builtIn) return { ...(await activateAsPublisher(simulator.baseUrl, bought.subscriptionId)), by: 'emulator', landingPage };
  const { confirmOnLandingPage } = await import('./landing-page.js');
  await confirmOnLandingPage(bought.landingPageUrl);
  const subscription = await untilSubscribed(simulator, bought.subscriptionId);
  return { planId: subscription.planId, ...(subscription.quantity !== undefined ? { quantity: subscription.quantity } : {}), by: 'publisher', landingPage };
}

/** The publisher provisions before it activates: the marketplace says when it has. */
async function untilSubscribed(simulator: ReturnType<typeof simulatorFor>, subscriptionId: string) {
  const deadline = Date.now() + ACTIVATION_WAIT_MS;
  for (;;) {
    const { subscription } = await simulator.subscription(subscriptionId);
    if (subscription.saasSubscriptionStatus === 'Subscribed') return subscription;
    if (Date.now() > deadline)
      throw new Error(
        `the publisher took the confirmation but has not activated subscription ${subscriptionId} within ${ACTIVATION_WAIT_MS / 1000} s (its provisioning hook may be failing): see its console's jobs`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** How long `--activate` waits for the publisher to provision and activate. */
const ACTIVATION_WAIT_MS = 30_000;

/**
 * What a publisher's landing page does once the customer confirms: Activate through the Fulfillment API,
 * with the emulator's dev app (its Entra stand-in issues the token), on the plan and seats bought.
 */
async function activateAsPublisher(emulator: string, subscriptionId: string): Promise<{ planId: string; quantity?: number }> {
  // Loaded here: the client and the catalog bring TypeBox and its schemas, which every other event (and
  // --help) does without; `trigger --help` took four times a bare node's start with them.
  const [{ ClientSecretCredential, MarketplaceClient }, { DEV_PUBLISHER }] = await Promise.all([
    import('@saas-fulfillment/client'),
    import('@saas-fulfillment/marketplace/catalog'),
  ]);
  const credential = new ClientSecretCredential({
    tenantId: DEV_PUBLISHER.tenantId,
    clientId: DEV_PUBLISHER.clientId,
    clientSecret: DEV_PUBLISHER.clientSecret,
    authorityHost: emulator,
  });
  const client = new MarketplaceClient({ baseUrl: `${emulator}/api`, credential });
  const subscription = await client.getSubscription(subscriptionId);
  const plan = { planId: subscription.planId, ...(subscription.quantity !== undefined ? { quantity: subscription.quantity } : {}) };
  await client.activate(subscriptionId, plan);
  return plan;
}

function activationWords(activation: Activation): string {
  const seats = activation.quantity !== undefined ? ` with ${activation.quantity} seat${activation.quantity === 1 ? '' : 's'}` : '';
  const by =
    activation.by === 'publisher'
      ? `by the publisher, through its landing page (${activation.landingPage}) as a buyer would`
      : "by the emulator acting as the publisher (no publisher service is attached: the emulator's own landing page is in use)";
  return `Subscribed on plan ${activation.planId}${seats}, ${by}`;
}

function beneficiaryFlags(flags: Flags): { tenantId?: string; emailId?: string } | undefined {
  const tenantId = stringFlag(flags, 'beneficiary-tenant');
  const emailId = stringFlag(flags, 'beneficiary-email');
  if (tenantId !== undefined && !GUID.test(tenantId)) throw new ConfigError(`--beneficiary-tenant must be a tenant id (a GUID); got '${tenantId}'`);
  if (tenantId === undefined && emailId === undefined) return undefined;
  return { ...(tenantId !== undefined ? { tenantId: tenantId.toLowerCase() } : {}), ...(emailId !== undefined ? { emailId } : {}) };
}

async function act(event: ActionEvent, flags: Flags): Promise<number> {
  const subscriptionId = required(flags, 'subscription', event);
  const action = ACTIONS[event];
  const body: CustomerActionRequest = { action };
  if (action === 'ChangePlan') body.planId = required(flags, 'plan', event);
  if (action === 'ChangeQuantity') {
    const quantity = countFlag(flags, 'quantity');
    if (quantity === undefined) throw new ConfigError(`${event} needs --quantity`);
    body.quantity = quantity;
  }
  const operation = await simulatorFor(flags).act(subscriptionId, body);
  const seats = operation.seatsChanged;
  report(flags, operation, () => [
    `${actionWords(action)} of subscription ${subscriptionId}: operation ${operation.operationId}`,
    `  status         ${operation.status === 'InProgress' ? 'in progress: waiting for the publisher' : operation.status === 'Succeeded' ? 'done; the publisher was notified' : operation.status}`,
    ...(seats
      ? [`  seats          ${seats.from} to ${seats.to}: plan ${body.planId} is sold ${seats.to > seats.from ? 'from' : 'up to'} ${seats.to} seats`]
      : []),
  ]);
  return 0;
}

function required(flags: Flags, name: string, event: string): string {
  const value = stringFlag(flags, name);
  if (value === undefined) throw new ConfigError(`${event} needs --${name}`);
  if (name === 'subscription' && !GUID.test(value))
    throw new ConfigError(`--subscription must be a subscription id (a GUID, as 'trigger purchase' prints); got '${value}'`);
  return value;
}

const GUID = /^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/;

function countFlag(flags: Flags, name: string): number | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,7}$/.test(value)) throw new ConfigError(`--${name} must be a whole number; got '${value}'`);
  return Number(value);
}
