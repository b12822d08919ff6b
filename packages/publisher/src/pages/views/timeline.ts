// A subscription's audit trail as a person reads it: what happened in words, who or what caused it, and
// each field that changed by its name with its values in words (plans by name, statuses and times as the
// rest of the console shows them), read from the entry's structured before and after, not its log text.
import { actionWords, html, subscriptionStatusWords, termWords, textWithIds, timeWords, type SafeHtml } from '@saas-fulfillment/web';
import type { AuditEntry } from '../../model/subscription.js';

type PlanName = (offerId: string, planId: string) => string;

const KIND: Record<string, string> = {
  change: 'Changed',
  'drift-repair': 'Repaired to match Microsoft',
  activated: 'Activated',
  provisioned: 'Provisioned',
  'change-requested': 'Change requested',
};

/** Each field a change records, by its name on the page, with its value in words. */
const FIELDS: Record<string, [label: string, words: (value: unknown, planName: (planId: string) => string) => string]> = {
  status: ['Status', (v) => subscriptionStatusWords(String(v))],
  planId: ['Plan', (v, planName) => planName(String(v))],
  quantity: ['Seats', (v) => (v === null || v === undefined ? 'not per seat' : String(v))],
  termUnit: ['Term', (v) => termWords(v === null ? undefined : String(v))],
  termStart: ['Term starts', (v) => timeWords(v === null || v === undefined ? undefined : String(v))],
  termEnd: ['Term ends', (v) => timeWords(v === null || v === undefined ? undefined : String(v))],
  autoRenew: ['Renews', (v) => (v ? 'automatically' : 'no')],
  isFreeTrial: ['Free trial', (v) => (v ? 'yes' : 'no')],
  name: ['Name', (v) => String(v ?? '—')],
};
const IDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Who or what made the change, in words; an operation's id stays, shortened, for finding it in the logs. */
export function causeWords(cause: string): SafeHtml {
  const webhook = /^webhook (\w+) \(([^)]+)\)$/.exec(cause);
  if (webhook) return html`Microsoft's notice: ${actionWords(webhook[1] as string).toLowerCase()} ${textWithIds(`(${webhook[2]})`)}`;
  const ours = /^publisher (\w+) \(([^)]+)\)$/.exec(cause);
  if (ours) return html`our request: ${actionWords(ours[1] as string).toLowerCase()} ${textWithIds(`(${ours[2]})`)}`;
  const session = /^console password \(session (\w+)\)$/.exec(cause);
  if (session) return html`an admin signed in with the password <span class="muted">(session ${session[1]})</span>`;
  const words: Record<string, string> = {
    reconciliation: 'reconciliation with Microsoft',
    'landing page': "the customer's landing page",
    activation: 'activation',
    'provisioning hook': 'your provisioning hook',
    'webhook for an unknown subscription': "Microsoft's notice about a subscription new to this service",
  };
  return IDS.test(cause) ? textWithIds(cause) : html`${words[cause] ?? cause}`;
}

/** What changed: each recorded field with its value before and after, in words. */
export function changeWords(entry: AuditEntry, offerId: string, planName: PlanName): SafeHtml {
  const after = entry.after as Record<string, unknown> | undefined;
  const before = entry.before as Record<string, unknown> | undefined;
  const plan = (planId: string) => planName(offerId, planId);
  if (entry.kind === 'change-requested') return requestWords(entry.detail, plan) ?? textWithIds(entry.detail);
  // Entries without fields (activation, provisioning) name a plan by its id in their text: by name here.
  const text = () => textWithIds(entry.detail.replace(/\bplan ([\w-]+)/g, (_, id: string) => `the ${plan(id)} plan`));
  if (!after || Object.keys(after).length === 0) return text();
  const parts = Object.entries(after)
    .filter(([field]) => field in FIELDS)
    .map(([field, value]) => {
      const [label, words] = FIELDS[field] as (typeof FIELDS)[string];
      return before ? html`${label}: ${words(before[field], plan)} → ${words(value, plan)}` : html`${label}: ${words(value, plan)}`;
    });
  if (parts.length === 0) return text();
  return html`${before ? '' : 'Recorded. '}${parts.map((part, i) => html`${i > 0 ? '; ' : ''}${part}`)}`;
}

/** A change we asked Microsoft for, recorded as "ChangePlan to enterprise (operation …)", in words. */
function requestWords(detail: string, plan: (planId: string) => string): SafeHtml | undefined {
  const asked = /^(\w+)(?: to (.+?))? \(operation ([^)]+)\)$/.exec(detail);
  if (!asked) return undefined;
  const [, action = '', target, operation = ''] = asked;
  const to = target === undefined ? '' : action === 'ChangePlan' ? ` to the ${plan(target)} plan` : ` to ${target}`;
  return html`${actionWords(action)}${to} ${textWithIds(`(operation ${operation})`)}`;
}

export function kindWords(kind: string): string {
  return KIND[kind] ?? kind.replace(/-/g, ' ');
}
