// The marketplace's enum values and timestamps as people read them on a page. A value newer than this
// code (Microsoft adds them without notice) is shown as it came, never dropped and never fatal.

const SUBSCRIPTION_STATUS: Record<string, string> = {
  NotStarted: 'Not started',
  PendingFulfillmentStart: 'Waiting for activation',
  Subscribed: 'Active',
  Suspended: 'Suspended',
  Unsubscribed: 'Cancelled',
};

const OPERATION_STATUS: Record<string, string> = {
  NotStarted: 'Not started',
  InProgress: 'In progress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Conflict: 'Conflict',
};

const ACTION: Record<string, string> = {
  Subscribe: 'Subscribed (auto-activated)',
  ChangePlan: 'Plan change',
  ChangeQuantity: 'Seat change',
  Suspend: 'Suspension',
  Reinstate: 'Reinstatement',
  Unsubscribe: 'Cancellation',
  Renew: 'Renewal',
};

const own = (table: Record<string, string>, value: string): string | undefined => (Object.hasOwn(table, value) ? table[value] : undefined);

export const subscriptionStatusWords = (status: string): string => own(SUBSCRIPTION_STATUS, status) ?? status;
export const operationStatusWords = (status: string): string => own(OPERATION_STATUS, status) ?? status;
export const actionWords = (action: string): string => own(ACTION, action) ?? action;

/** `P1M` -> "1 month", `P3Y` -> "3 years"; anything else (a new unit such as `PAY`) as it came. */
export function termWords(unit: string | undefined): string {
  if (!unit) return '—';
  const match = /^P(\d+)([MY])$/.exec(unit);
  if (!match) return unit;
  const count = Number(match[1]);
  const noun = match[2] === 'M' ? 'month' : 'year';
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// Made on first use: an Intl format costs tens of milliseconds to make, and a server that starts shows no page.
let dateTimeFormat: Intl.DateTimeFormat | undefined;
let dayFormat: Intl.DateTimeFormat | undefined;
const dateTime = (): Intl.DateTimeFormat =>
  (dateTimeFormat ??= new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  }));
const day = (): Intl.DateTimeFormat => (dayFormat ??= new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }));

/** One format and one clock for every time on every page: `25 Nov 2026, 19:20 UTC`. */
export function timeWords(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${dateTime().format(date)} UTC`;
}

/** A day in words, for what happens on a date rather than at a minute: `12 December 2026`. */
export function dayWords(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : day().format(date);
}

let quantityFormat: Intl.NumberFormat | undefined;
const quantity = (): Intl.NumberFormat => (quantityFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 }));

/** A quantity of usage as people write it, to six decimal places at most: `1,234.5`. */
export const quantityWords = (value: number): string => quantity().format(value);

/** Whether a subscription renews, in words: a cancelled one does not, and says why. */
export function renewsWords(subscription: { status: string; autoRenew: boolean }): string {
  if (subscription.status === 'Unsubscribed') return 'no: it is cancelled';
  return subscription.autoRenew ? 'automatically' : 'no: it ends with its term';
}
