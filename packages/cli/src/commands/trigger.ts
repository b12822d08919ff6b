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
const EVENTS = ['purchase', ...Object.keys(ACTIONS)];

export const triggerCommand: Command = {
  name: 'trigger',
  usage: `Usage: saas-fulfillment trigger <event> [options]

Fires what a customer or Microsoft does, on a running emulator, and sends its webhook.

Events:
  purchase          a customer buys: --plan <id> [--offer <id>] [--quantity <n>] [--csp] [--free-trial]
                    [--name <text>] [--term P1M|P1Y|...]   prints subscriptionId, token, landingPageUrl
  change-plan       --subscription <id> --plan <id>       the customer moves to another plan
  change-quantity   --subscription <id> --quantity <n>    the customer changes seats
  suspend           --subscription <id>                   payment failed
  reinstate         --subscription <id>                   payment fixed
  unsubscribe       --subscription <id>                   the customer cancels
  renew             --subscription <id>                   the term renews now
Each action prints the operationId.

Options:
  --offer <id>             offer to buy (default contoso-saas, the demo catalog's)
${CONTROL_HELP}
Example: saas-fulfillment trigger purchase --plan pro --quantity 5
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
  },
  async run(flags, positionals) {
    const [event, ...rest] = positionals;
    if (event === undefined) throw new ConfigError(`trigger needs an event: ${EVENTS.join(', ')}`);
    if (rest.length > 0) throw new ConfigError(`trigger takes one event; got also '${rest[0]}'`);
    if (event === 'purchase') return purchase(flags);
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
  const bought = await simulatorFor(flags).purchase({
    offerId: stringFlag(flags, 'offer') ?? 'contoso-saas',
    planId,
    ...(quantity !== undefined ? { quantity } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(term !== undefined ? { termUnit: term as TermUnit } : {}),
    ...(flags.csp ? { csp: true } : {}),
    ...(flags['free-trial'] ? { isFreeTrial: true } : {}),
  });
  report(flags, bought, () => [
    `Purchased plan ${planId}: subscription ${bought.subscriptionId}`,
    `  landing page   ${bought.landingPageUrl}`,
    `  token          ${bought.token}`,
  ]);
  return 0;
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
