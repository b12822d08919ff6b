// What a buyer does on a publisher's landing page, done from the terminal: open the link the purchase gave
// (the page resolves the token with Microsoft), and submit its confirmation form, as a browser would (its
// cookies, its hidden fields, its own origin). The publisher then provisions and activates, its hooks run
// and the product hears of it: the path a purchase in the simulator takes.

/** The landing page cannot be used from a terminal (it asks the buyer to sign in, or has no form): a browser must. */
class LandingPageNeedsBrowser extends Error {
  override readonly name = 'LandingPageNeedsBrowser';
}

const TIMEOUT_MS = 30_000;

/** Opens the landing page and confirms the purchase on it; resolves once the publisher accepted the confirmation. */
export async function confirmOnLandingPage(landingPageUrl: string): Promise<void> {
  const cookies = new Map<string, string>();
  const page = await fetch(landingPageUrl, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  keepCookies(page, cookies);
  const text = await page.text();
  if (page.status >= 300 && page.status < 400) {
    const to = page.headers.get('location') ?? '';
    throw new LandingPageNeedsBrowser(
      /\/auth\/login|authorize/.test(to)
        ? `the landing page asks the buyer to sign in first (LANDING_SIGN_IN): open ${landingPageUrl} in a browser`
        : `the landing page sent the buyer elsewhere (${page.status} to ${to}): open ${landingPageUrl} in a browser`,
    );
  }
  if (page.status !== 200)
    throw new LandingPageNeedsBrowser(`the landing page answered ${page.status}: ${headingOf(text) ?? 'no page'}; open ${landingPageUrl} in a browser`);
  const form = confirmationForm(text);
  if (!form)
    throw new LandingPageNeedsBrowser(
      `the landing page shows no purchase to confirm (${headingOf(text) ?? 'no heading'}): open ${landingPageUrl} in a browser`,
    );
  const target = new URL(form.action, landingPageUrl);
  const confirmed = await fetch(target, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: target.origin,
      cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    },
    body: new URLSearchParams(form.fields),
  });
  if (confirmed.status >= 400) {
    throw new LandingPageNeedsBrowser(`the landing page refused the confirmation (${confirmed.status}: ${headingOf(await confirmed.text()) ?? 'no page'})`);
  }
}

/** The page's form that posts the confirmation (our publisher's: to …/activate), with its hidden fields. */
function confirmationForm(html: string): { action: string; fields: Record<string, string> } | undefined {
  for (const match of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
    const form = match[0];
    const tag = form.slice(0, form.indexOf('>') + 1);
    const action = attribute(tag, 'action');
    if (!/method="post"/i.test(tag) || !action || !/activate/.test(action)) continue;
    const fields: Record<string, string> = {};
    for (const input of form.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], 'name');
      if (name && attribute(input[0], 'type') === 'hidden') fields[name] = attribute(input[0], 'value') ?? '';
    }
    return { action, fields };
  }
  return undefined;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const attribute = (tag: string, name: string) => {
  const value = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
  return value?.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
};
const headingOf = (html: string) =>
  /<h1[^>]*>([\s\S]*?)<\/h1>/i
    .exec(html)?.[1]
    ?.replace(/<[^>]+>/g, '')
    .trim();

function keepCookies(response: Response, cookies: Map<string, string>): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1));
  }
}
