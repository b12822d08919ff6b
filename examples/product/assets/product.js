// @ts-check
// The workspace page's only script: it reloads the page when the publisher's event says the subscription
// changed, and calls the reports API from the button, saying what became of the call's usage (billed,
// waiting for the publisher, or refused and why). Served from the product's origin (strict CSP).
// A form's notice ("Teammate added.") is for once: a reload after an event must not repeat it.
if (new URLSearchParams(window.location.search).has('notice')) window.history.replaceState(null, '', window.location.pathname);

const main = document.querySelector('main');
if (main?.dataset.updates) {
  const updates = new EventSource(main.dataset.updates);
  updates.addEventListener('changed', () => window.location.reload());
}

/** @typedef {{ status: 'accepted' | 'duplicate' | 'waiting' | 'refused'; message?: string }} Billed */
/** @typedef {{ calls: number; billed: number; refused: number; lastRefusal?: string }} Calls */

/** What became of the call's usage, in words. */
function billedWords(/** @type {Billed | null} */ billed) {
  if (!billed) return 'Your plan does not bill API calls.';
  if (billed.status === 'accepted' || billed.status === 'duplicate') return 'Billed as one API call.';
  if (billed.status === 'waiting') return 'Kept for billing: the publisher has not answered yet, and it is sent again until it does.';
  return `Not billed: the publisher refused it (${billed.message}).`;
}

/** The count of calls and what became of them; the same words as the page's (pages.js, billingWords). */
function callsWords(/** @type {Calls} */ calls) {
  const waiting = calls.calls - calls.billed - calls.refused;
  const parts = [`${calls.billed} billed`];
  if (waiting > 0) parts.push(`${waiting} waiting for the publisher`);
  if (calls.refused > 0) parts.push(`${calls.refused} not billed: ${calls.lastRefusal ?? 'refused'}`);
  return `${calls.calls === 1 ? 'One call' : `${calls.calls} calls`} so far: ${parts.join('; ')}.`;
}

const button = /** @type {HTMLButtonElement | null} */ (document.getElementById('call-api'));
const result = /** @type {HTMLElement} */ (document.getElementById('api-result'));
const count = /** @type {HTMLElement | null} */ (document.getElementById('api-calls'));
button?.addEventListener('click', async () => {
  button.disabled = true;
  try {
    const response = await fetch(String(button.dataset.url), { method: 'POST' });
    const answer = /** @type {{ report: { rows: number }; billed: Billed | null; calls: Calls; message: string }} */ (await response.json());
    result.textContent = response.ok ? `Report made (${answer.report.rows} rows). ${billedWords(answer.billed)}` : `Refused: ${answer.message}`;
    result.className = response.ok && answer.billed?.status !== 'refused' ? 'notice' : 'warning';
    if (response.ok && count) count.textContent = callsWords(answer.calls);
  } catch {
    result.textContent = 'The product could not be reached; try again.';
    result.className = 'warning';
  } finally {
    button.disabled = false;
  }
});
