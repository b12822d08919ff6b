// The buy page: offer and plan, seats, term and the purchase's switches. The seat and term fields follow
// the chosen plan through a small script (the server checks everything again).
import { html, termWords, type SafeHtml } from '@saas-fulfillment/web';
import { seatLimits, type Catalog, type OfferConfig, type PlanConfig } from '../../catalog.js';

/** What the script needs to know of a plan to fit the form to it. */
interface PlanChoice {
  perSeat: boolean;
  min: number;
  max: number;
  trial: boolean;
  terms: { unit: string; label: string }[];
}

function choiceOf(plan: PlanConfig): PlanChoice {
  const { min, max } = seatLimits(plan);
  const currency = plan.currency ?? 'USD';
  return {
    perSeat: plan.pricing === 'perSeat',
    min,
    max,
    trial: plan.hasFreeTrial ?? false,
    terms: plan.billingTerms.map((t) => ({
      unit: t.termUnit,
      label: `${termWords(t.termUnit)}: ${t.price} ${currency}${plan.pricing === 'perSeat' ? ' per seat' : ''}`,
    })),
  };
}

function planLabel(offer: OfferConfig, plan: PlanConfig): string {
  const { min, max } = seatLimits(plan);
  const kind = plan.autoActivate ? 'activated at once' : plan.pricing === 'perSeat' ? `per seat, ${min}–${max}` : 'flat price';
  // A plan's own name may say it is private already.
  const privately = plan.isPrivate && !/private/i.test(plan.displayName) ? ' (private)' : '';
  return `${offer.displayName}: ${plan.displayName}${privately} (${kind})`;
}

/** `chosen` (`offerId/planId`): the plan to show selected, as after a refused purchase. */
export function buyPage(catalog: Catalog, chosen?: string): SafeHtml {
  const plans = catalog.publishers.flatMap((publisher) =>
    publisher.offers.flatMap((offer) => offer.plans.filter((p) => !p.isStopSell).map((plan) => ({ offer, plan }))),
  );
  const selected = plans.find(({ offer, plan }) => `${offer.offerId}/${plan.planId}` === chosen) ?? plans[0];
  const first = selected && choiceOf(selected.plan);
  const options = plans.map(
    ({ offer, plan }) =>
      html`<option value="${offer.offerId}/${plan.planId}" data-plan="${JSON.stringify(choiceOf(plan))}"${selected?.plan === plan ? html` selected` : ''}>${planLabel(offer, plan)}</option>`,
  );
  return html`<h1>Buy a SaaS subscription</h1>
<section><form method="post" action="/ui/purchase" id="buy">
<div class="grid">
<div><label for="plan">Offer and plan</label><select id="plan" name="plan">${options}</select></div>
<div id="seats-field"${first?.perSeat ? '' : html` hidden`}><label for="quantity">Seats</label><input id="quantity" name="quantity" type="number" min="${first?.min ?? 1}" max="${first?.max ?? 10000}" value="${Math.max(first?.min ?? 1, Math.min(5, first?.max ?? 5))}"><div class="muted" id="seats-hint">${first?.perSeat ? `${first.min}–${first.max} seats` : ''}</div></div>
<div><label for="termUnit">Term</label><select id="termUnit" name="termUnit">${(first?.terms ?? []).map((t) => html`<option value="${t.unit}">${t.label}</option>`)}</select></div>
<div><label for="name">Subscription name</label><input id="name" name="name" placeholder="Contoso for Fabrikam" maxlength="200"></div>
<div><label for="beneficiaryTenantId">Customer's tenant id</label><input id="beneficiaryTenantId" name="beneficiaryTenantId" maxlength="36" placeholder="made up when empty" pattern="[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"><div class="muted">A private plan is sold only to the tenants it names.</div></div>
<div><label for="beneficiaryEmail">Customer's e-mail</label><input id="beneficiaryEmail" name="beneficiaryEmail" type="email" maxlength="200" placeholder="made up when empty"></div>
</div>
<p><label class="check"><input type="checkbox" name="autoRenew" checked> Renew automatically</label>
<label class="check"><input type="checkbox" name="isFreeTrial" id="isFreeTrial"${first?.trial ? '' : html` disabled`}> Free trial (one month)</label>
<label class="check"><input type="checkbox" name="isTest"> Test purchase</label>
<label class="check"><input type="checkbox" name="csp"> Bought through a reseller (CSP)</label></p>
<button type="submit">Buy</button></form></section>
<script src="/assets/simulator.js" defer></script>`;
}

export const BUY_FORM_SCRIPT = `// Fits the buy form to the chosen plan: seats only for per-seat plans and within its limits, its terms, its trial.
const plan = document.getElementById('plan');
const seatsField = document.getElementById('seats-field');
const seats = document.getElementById('quantity');
const hint = document.getElementById('seats-hint');
const term = document.getElementById('termUnit');
const trial = document.getElementById('isFreeTrial');
function fit() {
  const choice = JSON.parse(plan.selectedOptions[0].dataset.plan);
  seatsField.hidden = !choice.perSeat;
  seats.disabled = !choice.perSeat;
  seats.min = choice.min;
  seats.max = choice.max;
  const wanted = Number(seats.value) || choice.min;
  seats.value = Math.min(Math.max(wanted, choice.min), choice.max);
  hint.textContent = choice.perSeat ? choice.min + '–' + choice.max + ' seats' : '';
  const chosen = term.value;
  term.replaceChildren(...choice.terms.map((t) => new Option(t.label, t.unit, false, t.unit === chosen)));
  trial.disabled = !choice.trial;
  if (!choice.trial) trial.checked = false;
}
plan.addEventListener('change', fit);
fit();
`;
