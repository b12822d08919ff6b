// @ts-check
// The product's own view of the plans it sells: what each plan unlocks and how many people it seats. The
// marketplace knows plans by id and prices; only the product knows what a plan means inside it.

/** @typedef {'notes' | 'dashboards' | 'api' | 'sso'} Feature */

/** Each feature as the product's pages name it. */
export const FEATURES = /** @type {const} */ ({
  notes: 'Shared notes',
  dashboards: 'Dashboards',
  api: 'Reports API (each call billed as one API call)',
  sso: 'Single sign-on',
});

/**
 * Plans by the offer's plan id. `seats`: people a flat plan seats; a plan priced per seat seats what was
 * bought. `metered`: calls of the reports API are reported to the publisher as the `api_calls` dimension.
 * @type {Readonly<Record<string, { name: string; features: readonly Feature[]; seats?: number; metered: boolean }>>}
 */
export const PLANS = {
  basic: { name: 'Basic', features: ['notes'], seats: 3, metered: false },
  pro: { name: 'Pro', features: ['notes', 'dashboards', 'api'], metered: true },
  enterprise: { name: 'Enterprise', features: ['notes', 'dashboards', 'api', 'sso'], metered: true },
  instant: { name: 'Instant', features: ['notes', 'api'], seats: 5, metered: true },
  'partner-special': { name: 'Partner special', features: ['notes', 'dashboards', 'sso'], seats: 25, metered: false },
};

/** The SDK's `features` option: plan id → the features it includes. */
export const FEATURES_BY_PLAN = Object.fromEntries(Object.entries(PLANS).map(([id, plan]) => [id, plan.features]));

/** A plan id the product does not know (added in Partner Center later) still gets a name, and nothing unlocked. */
export function planOf(/** @type {string} */ planId) {
  return PLANS[planId] ?? { name: planId, features: [], metered: false };
}

/** The plans that include a feature, in words: "Pro and Enterprise". */
export function plansWith(/** @type {Feature} */ feature) {
  const names = Object.values(PLANS)
    .filter((plan) => plan.features.includes(feature))
    .map((plan) => plan.name);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? 'no plan');
}
