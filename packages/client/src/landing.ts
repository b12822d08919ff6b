// The landing page token, taken from the raw query string and URL-decoded exactly once.

/**
 * The `token` of a landing-page request, decoded exactly once. Pass the raw query string (`?token=...`),
 * the request URL (`/landing?token=...`) or a URL object. `URLSearchParams` must not be used for this:
 * it turns a `+` into a space, and a `+` in the token is meaningful.
 *
 * @example
 * app.get('/landing', (req) => client.resolve(landingPageToken(req.url)));
 */
export function landingPageToken(search: string | URL): string | undefined {
  const raw = typeof search === 'string' ? search : search.search;
  const query = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : raw;
  for (const pair of (query.split('#')[0] ?? '').split('&')) {
    const [name, value = ''] = pair.split('=', 2) as [string, string?];
    if (name !== 'token') continue;
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
