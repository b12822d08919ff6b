// Runs inside a page (Chromium): lists what a person would see as broken at this width. Evaluated as an
// expression by the browser tests; it returns an array of problems, empty when the page is fine.
(() => {
  const problems = [];
  const root = document.documentElement;
  // Without it a phone lays the page out 980 px wide and shrinks it.
  if (!document.querySelector('meta[name=viewport][content*="width=device-width"]')) problems.push('the page has no viewport meta');
  if (root.scrollWidth > window.innerWidth + 1) problems.push(`the page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window`);
  for (const element of document.querySelectorAll('code.id, time')) {
    if (element.getClientRects().length > 1) problems.push(`"${element.textContent}" breaks over two lines`);
  }
  // An id in running text must be wrapped so that it cannot break.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent ?? '';
    // A body shown as sent (pre.body) wraps anywhere, by design: a long one must not run off the page.
    if (/[0-9a-f]{8}-[0-9a-f]{4}-/i.test(text) && !node.parentElement?.closest('code.id, .url, pre.body, script, style, option'))
      problems.push(`an id in "${text.trim().slice(0, 60)}" may break`);
    // Pages speak in words: no enum name of the API and no ISO timestamp in what a person reads.
    if (node.parentElement?.closest('code, .url, script, style, pre')) continue;
    // Nor a raw id: the demo catalog's offer, plan and dimension ids, or a day as YYYY-MM-DD, outside code.
    const internal =
      /\b(PendingFulfillmentStart|NotStarted|InProgress|ChangePlan|ChangeQuantity|drift-repair|change-requested|await-operation|deliver-event|contoso-saas|partner-special|api_calls|storage_gb)\b|\b\d{4}-\d{2}-\d{2}\b/.exec(
        text,
      );
    if (internal) problems.push(`"${internal[0]}" in "${text.trim().slice(0, 60)}" is not in words`);
  }
  // Text cut by its box: an element whose content is wider than it and that clips or scrolls it sideways
  // (an id or an e-mail half hidden). A wide table may scroll on a desktop; on a phone it is cards, which fit.
  const phone = window.innerWidth < 600;
  for (const element of document.querySelectorAll('body *')) {
    if (element.closest('script, style, head') || (!phone && element.closest('.table'))) continue;
    const overflow = getComputedStyle(element).overflowX;
    if (overflow === 'visible' || element.clientWidth === 0) continue;
    if (element.scrollWidth > element.clientWidth + 1)
      problems.push(`"${(element.textContent ?? '').trim().slice(0, 60)}" is cut by its box (${element.scrollWidth}px of text in ${element.clientWidth}px)`);
  }
  for (const element of document.querySelectorAll('button, input, select, h1, dd, td, .notice')) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > window.innerWidth + 1 && !element.closest('.table, .url')) {
      problems.push(`<${element.tagName.toLowerCase()}> "${(element.textContent ?? '').trim().slice(0, 40)}" sticks out of the window`);
    }
  }
  return problems;
})();
