// Pricing an hour of usage: which billing term it falls in, how much of the plan's included quantity for
// that term is left, and so how much of the hour is overage to bill. Pure functions; the submitter feeds
// them hours in order and the ledger stores what they decide.
import { addDuration, durationOf, nearestMicros, type Duration, type Plan } from '@saas-fulfillment/contract';
import type { UsageHour } from '../model/metering.js';
import { termKey, type HourPrice } from '../model/metering.js';

const HOUR_MS = 3_600_000;

/** The subscription's term as the marketplace last told us. */
export interface KnownTerm {
  start: string;
  end: string | undefined;
  unit: string;
}

/**
 * Start of the term the instant `at` falls in. Terms follow each other without gaps, each one unit long from the
 * previous end (as the marketplace renews), so an hour after the known term (a renewal not heard of yet)
 * or before it (a late hour of the previous term) is placed by stepping a unit at a time.
 */
export function termStartOf(instant: string, term: KnownTerm): string {
  const unit = durationOf(term.unit);
  let start = new Date(term.start);
  let end = term.end ? new Date(term.end) : addDuration(start, unit);
  const at = new Date(instant);
  for (let step = 0; at >= end && step < 1000; step++) [start, end] = [end, addDuration(end, unit)];
  for (let step = 0; at < start && step < 1000; step++) start = addDuration(start, negate(unit));
  return start.toISOString();
}

function negate(d: Duration): Duration {
  return { years: -d.years, months: -d.months, weeks: -d.weeks, days: -d.days, hours: -d.hours, minutes: -d.minutes, seconds: -d.seconds };
}

/** The quantity of `dimension` (micros) the plan includes in its base price for one term of `termUnit`. */
export function includedMicros(plan: Plan, termUnit: string, dimension: string): number {
  const term = plan.planComponents.recurrentBillingTerms.find((t) => t.termUnit === termUnit);
  const units = term?.meteredQuantityIncluded?.find((m) => m.dimensionId === dimension)?.units;
  return nearestMicros(Number(units ?? 0));
}

/** Whether the plan meters `dimension`. */
export function metersDimension(plan: Plan, dimension: string): boolean {
  return plan.planComponents.meteringDimensions.some((d) => d.id === dimension);
}

/**
 * Prices closed hours of one subscription under its current plan and term: per dimension and term, the
 * included quantity is consumed hour by hour in time order; what it does not cover is billable. All in
 * micros, as integers: included + billable is the hour's quantity exactly.
 * `used` holds what earlier hours already consumed (micros per termKey) and is updated.
 */
export function priceHours(hours: readonly UsageHour[], plan: Plan, term: KnownTerm, used: Map<string, number>): HourPrice[] {
  const ordered = [...hours].sort((a, b) => a.dimension.localeCompare(b.dimension) || a.hour.localeCompare(b.hour));
  return ordered.map((hour) => {
    // An hour a term starts in belongs to that new term: its last instant decides.
    const termStart = termStartOf(new Date(Date.parse(hour.hour) + HOUR_MS - 1).toISOString(), term);
    const key = termKey(hour.subscriptionId, hour.dimension, termStart);
    const quantity = nearestMicros(hour.quantity);
    const left = Math.max(0, includedMicros(plan, term.unit, hour.dimension) - (used.get(key) ?? 0));
    const included = Math.min(quantity, left);
    used.set(key, (used.get(key) ?? 0) + included);
    return { id: hour.id, planId: plan.planId, termStart, includedMicros: included, billableMicros: quantity - included };
  });
}
