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
                    prints subscriptionId, token, landingPageUrl; --activate also activates it
  activate          --subscription <id>                   activates a purchase as the publisher would
                                                          (Fulfillment API, the emulator's dev app)
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
  const bought = await simulatorFor(flags).purchase({
    offerId: stringFlag(flags, 'offer') ?? 'contoso-saas',
    planId,
    ...(quantity !== undefined ? { quantity } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(term !== undefined ? { termUnit: term as TermUnit } : {}),
    ...(flags.csp ? { csp: true } : {}),
    ...(flags['free-trial'] ? { isFreeTrial: true } : {}),
    ...(beneficiary ? { beneficiary } : {}),
  });
  const activated = flags.activate ? await activateAsPublisher(flags, bought.subscriptionId) : undefined;
  report(flags, { ...bought, ...(activated ? { activated } : {}) }, () => [
    `Purchased plan ${planId}: subscription ${bought.subscriptionId}`,
    ...(activated ? [`  activated      ${activationWords(activated)}`] : [`  landing page   ${bought.landingPageUrl}`, `  token          ${bought.token}`]),
  ]);
  return 0;
}

async function activate(flags: Flags): Promise<number> {
  const subscriptionId = required(flags, 'subscription', 'activate');
  const activated = await activateAsPublisher(flags, subscriptionId);
  report(flags, activated, () => [`Activated subscription ${subscriptionId}: ${activationWords(activated)}`]);
  return 0;
}

/**
 * What the publisher's landing page does once the customer confirms: Activate through the Fulfillment API,
 * with the emulator's dev app (its Entra stand-in issues the token), on the plan and seats bought.
 */
async function activateAsPublisher(flags: Flags, subscriptionId: string): Promise<{ planId: string; quantity?: number }> {
  // Loaded here: the client and the catalog bring TypeBox and its schemas, which every other event (and
  // --help) does without; `trigger --help` took four times a bare node's start with them.
  const [{ ClientSecretCredential, MarketplaceClient }, { DEV_PUBLISHER }] = await Promise.all([
    import('@saas-fulfillment/client'),
    import('@saas-fulfillment/marketplace/catalog'),
  ]);
  const emulator = simulatorFor(flags).baseUrl;
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

const activationWords = (plan: { planId: string; quantity?: number }) =>
  `Subscribed on plan ${plan.planId}${plan.quantity !== undefined ? ` with ${plan.quantity} seat${plan.quantity === 1 ? '' : 's'}` : ''}`;

function beneficiaryFlags(flags: Flags): { tenantId?: string; emailId?: string } | undefined {
  const tenantId = stringFlag(flags, 'beneficiary-tenant');
  const emailId = stringFlag(flags, 'beneficiary-email');
  if (tenantId !== undefined && !/^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/.test(tenantId))
    throw new ConfigError(`--beneficiary-tenant must be a tenant id (a GUID); got '${tenantId}'`);
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
  report(flags, operation, () => [
    `${actionWords(action)} of subscription ${subscriptionId}: operation ${operation.operationId}`,
    `  status         ${operation.status === 'InProgress' ? 'in progress: waiting for the publisher' : operation.status === 'Succeeded' ? 'done; the publisher was notified' : operation.status}`,
  ]);
  return 0;
}

function required(flags: Flags, name: string, event: string): string {
  const value = stringFlag(flags, name);
  if (value === undefined) throw new ConfigError(`${event} needs --${name}`);
  return value;
}

function countFlag(flags: Flags, name: string): number | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,7}$/.test(value)) throw new ConfigError(`--${name} must be a whole number; got '${value}'`);
  return Number(value);
}
