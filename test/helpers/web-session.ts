// A browser's part in form posts, for tests that drive pages with fetch: it keeps cookies, and submits a
// page's form with the hidden fields the page put in it (the CSRF token among them), as a browser would.
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const fromHtml = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

/** The hidden fields of the post form whose action is `action` on `page`. */
export function hiddenFields(page: string, action: string): Record<string, string> {
  for (const match of page.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)) {
    const form = match[0];
    const tag = form.slice(0, form.indexOf('>') + 1);
    if (!tag.includes(' action=') || fromHtml(attribute(tag, 'action') ?? '') !== action) continue;
    const fields: Record<string, string> = {};
    for (const input of form.matchAll(/<input\b[^>]*>/g))
      if (attribute(input[0], 'type') === 'hidden') fields[fromHtml(attribute(input[0], 'name') ?? '')] = fromHtml(attribute(input[0], 'value') ?? '');
    return fields;
  }
  throw new Error(`no form posts to ${action} on this page:\n${page.slice(0, 2000)}`);
}

export class WebSession {
  private readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  /** The Cookie header this browser sends. */
  get cookie(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string, init: { headers?: Record<string, string> } = {}): Promise<{ status: number; text: string; location: string | null }> {
    return this.read(await fetch(this.url(path), { headers: { cookie: this.cookie, ...init.headers }, redirect: 'manual' }));
  }

  /** Opens `page` and submits its form for `action` with `fields` added to the form's hidden ones. */
  async submit(page: string, action: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const opened = await this.get(page);
    return this.post(action, { ...hiddenFields(opened.text, action), ...fields }, headers);
  }

  /** Posts `fields` as a form from this browser (cookies included, redirects not followed). */
  async post(action: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(this.url(action), {
      method: 'POST',
      headers: { cookie: this.cookie, ...headers },
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });
    return this.read(response);
  }

  /** Posts JSON from this browser's own origin (the console's JSON API). */
  async postJson(path: string, body: unknown) {
    const response = await fetch(this.url(path), {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/json', origin: this.origin },
      body: JSON.stringify(body),
      redirect: 'manual',
    });
    return this.read(response);
  }

  private url(path: string): string {
    return path.startsWith('http') ? path : `${this.origin}${path}`;
  }

  private async read(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || pair.slice(at + 1) === '') this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1));
    }
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  }
}
