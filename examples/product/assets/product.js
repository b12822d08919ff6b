// @ts-check
// The workspace page's only script: it reloads the page when the publisher's event says the subscription
// changed, and calls the reports API from the button. Served from the product's origin (strict CSP).
// A form's notice ("Teammate added.") is for once: a reload after an event must not repeat it.
if (new URLSearchParams(window.location.search).has('notice')) window.history.replaceState(null, '', window.location.pathname);

const main = document.querySelector('main');
if (main?.dataset.updates) {
  const updates = new EventSource(main.dataset.updates);
  updates.addEventListener('changed', () => window.location.reload());
}

const button = /** @type {HTMLButtonElement | null} */ (document.getElementById('call-api'));
const result = /** @type {HTMLElement} */ (document.getElementById('api-result'));
button?.addEventListener('click', async () => {
  button.disabled = true;
  try {
    const response = await fetch(String(button.dataset.url), { method: 'POST' });
    const answer = /** @type {{ report: { rows: number }; billed: unknown; message: string }} */ (await response.json());
    result.textContent = response.ok
      ? `Report made (${answer.report.rows} rows).${answer.billed ? ' One API call recorded for billing.' : ''}`
      : `Refused: ${answer.message}`;
    result.className = response.ok ? 'notice' : 'warning';
  } catch {
    result.textContent = 'The product could not be reached; try again.';
    result.className = 'warning';
  } finally {
    button.disabled = false;
  }
});
