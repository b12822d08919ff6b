// Seats and terms: how many seats a purchase or a plan change leaves a subscription with, and when a
// term that starts now ends.
import { addDuration, durationOf, type TermUnit } from '@saas-fulfillment/contract';
import { seatLimits, type PlanConfig } from '../catalog.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { SubscriptionRecord } from '../model/subscriptions.js';

const FREE_TRIAL = durationOf('P1M');

/** The end of a term of `unit` starting at `start`. */
export function termEnd(start: string, unit: TermUnit): string {
  return addDuration(new Date(start), durationOf(unit)).toISOString();
}

/** The end of a subscription's first term: a month for a free trial, else its term unit's length. */
export function firstTermEnd(start: string, subscription: Pick<SubscriptionRecord, 'isFreeTrial' | 'termUnit'>): string {
  return subscription.isFreeTrial ? addDuration(new Date(start), FREE_TRIAL).toISOString() : termEnd(start, subscription.termUnit);
}

/** The seats a purchase buys: none on a flat plan; the plan's minimum unless said, within its limits. */
export function purchaseQuantity(plan: PlanConfig, quantity: number | undefined): number | undefined {
  if (plan.pricing === 'flat') {
    if (quantity !== undefined) throw E.flatPlanQuantity(plan.planId);
    return undefined;
  }
  const { min, max } = seatLimits(plan);
  const seats = quantity ?? min;
  if (seats < min || seats > max) throw E.quantityOutOfRange(seats, min, max);
  return seats;
}

/** Seats kept across a plan change: none on a flat plan, clamped into the new plan's limits otherwise. */
export function quantityOnPlan(plan: PlanConfig, current: number | undefined): number | undefined {
  if (plan.pricing === 'flat') return undefined;
  const { min, max } = seatLimits(plan);
  return Math.min(Math.max(current ?? min, min), max);
}
