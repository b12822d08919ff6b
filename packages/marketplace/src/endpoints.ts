// Where the marketplace sends a publisher's buyers (landing page) and notices (connection webhook):
// changed at run time, else the catalog's, else the emulator's own built-in page and inbox, so an
// emulator started alone is complete. Run-time changes are kept in the store and survive a restart.
import Type from 'typebox';
import type { Catalog, PublisherConfig } from './catalog.js';
import type { MarketplaceStore } from './store/repository.js';

const HttpUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 });

/** `PUT /simulator/publishers/{publisherId}`: a URL sets it, null goes back to the catalog's or the built-in one. */
export const EndpointsBody = Type.Object({
  webhookUrl: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
  landingPageUrl: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
});
export type EndpointsBody = Type.Static<typeof EndpointsBody>;

export interface PublisherEndpointsView {
  publisherId: string;
  displayName: string;
  webhookUrl: string;
  landingPageUrl: string;
  /** Where each comes from: set at run time, the catalog, or the emulator's built-in page and inbox. */
  webhookSource: EndpointSource;
  landingPageSource: EndpointSource;
}

export type EndpointSource = 'runtime' | 'catalog' | 'built-in';

type Overrides = Record<string, { webhookUrl?: string; landingPageUrl?: string }>;
const SETTING = 'publisher-endpoints';

export class PublisherEndpoints {
  private constructor(
    private readonly store: MarketplaceStore,
    private readonly catalog: Catalog,
    private readonly origin: () => string,
    private overrides: Overrides,
  ) {}

  static async load(store: MarketplaceStore, catalog: Catalog, origin: () => string): Promise<PublisherEndpoints> {
    const stored = await store.settings.get(SETTING);
    return new PublisherEndpoints(store, catalog, origin, ofCatalog(catalog, stored ? (JSON.parse(stored) as Overrides) : {}));
  }

  /** The built-in inbox of a publisher on this emulator. */
  inboxUrl(publisher: PublisherConfig): string {
    return `${this.origin()}/inbox/${encodeURIComponent(publisher.publisherId)}`;
  }

  webhookUrl(publisher: PublisherConfig): string {
    return this.view(publisher).webhookUrl;
  }

  /** The landing page with the token as Microsoft sends it (URL-encoded once). */
  landingLink(publisher: PublisherConfig, token: string): string {
    const url = new URL(this.view(publisher).landingPageUrl);
    url.searchParams.set('token', token);
    return url.toString();
  }

  view(publisher: PublisherConfig): PublisherEndpointsView {
    const override = (Object.hasOwn(this.overrides, publisher.publisherId) && this.overrides[publisher.publisherId]) || {};
    const pick = (runtime: string | undefined, catalog: string | undefined, builtIn: string): [string, EndpointSource] =>
      runtime ? [runtime, 'runtime'] : catalog ? [catalog, 'catalog'] : [builtIn, 'built-in'];
    const [webhookUrl, webhookSource] = pick(override.webhookUrl, publisher.webhookUrl, this.inboxUrl(publisher));
    const [landingPageUrl, landingPageSource] = pick(override.landingPageUrl, publisher.landingPageUrl, `${this.origin()}/landing`);
    return {
      publisherId: publisher.publisherId,
      displayName: publisher.displayName ?? publisher.publisherId,
      webhookUrl,
      landingPageUrl,
      webhookSource,
      landingPageSource,
    };
  }

  /** Where the sign-in page may send a code for this app: the registered redirect URIs. */
  redirectUris(publisher: PublisherConfig): readonly string[] {
    return publisher.redirectUris ?? [`${new URL(this.view(publisher).landingPageUrl).origin}/auth/callback`];
  }

  list(): PublisherEndpointsView[] {
    return this.catalog.publishers.map((p) => this.view(p));
  }

  /**
   * Every publisher's run-time endpoints at once: these, and none for a publisher not named (a seed's, a
   * snapshot's). Seeds and snapshots are checked first: a publisher the catalog lacks is refused there.
   */
  async replace(given: Record<string, EndpointsBody>): Promise<void> {
    const next: Overrides = {};
    for (const [publisherId, set] of Object.entries(ofCatalog(this.catalog, given))) {
      next[publisherId] = {
        ...(set.webhookUrl ? { webhookUrl: set.webhookUrl } : {}),
        ...(set.landingPageUrl ? { landingPageUrl: set.landingPageUrl } : {}),
      };
    }
    await this.store.settings.set(SETTING, JSON.stringify(next));
    this.overrides = next;
  }

  /** Run-time endpoints by publisher id, as `replace` takes them. */
  runtime(): Record<string, EndpointsBody> {
    return structuredClone(this.overrides);
  }

  /** Sets (a URL) or clears (null) a publisher's run-time endpoints; fields left out stay as they are. */
  async update(publisher: PublisherConfig, change: EndpointsBody): Promise<PublisherEndpointsView> {
    const current = { ...(Object.hasOwn(this.overrides, publisher.publisherId) ? this.overrides[publisher.publisherId] : {}) };
    for (const field of ['webhookUrl', 'landingPageUrl'] as const) {
      const value = change[field];
      if (value === null) delete current[field];
      else if (value !== undefined) current[field] = value;
    }
    const next = { ...this.overrides, [publisher.publisherId]: current };
    await this.store.settings.set(SETTING, JSON.stringify(next));
    this.overrides = next;
    return this.view(publisher);
  }
}

/** The entries of publishers the catalog has: one kept from another catalog would make an export that never imports back. */
function ofCatalog<T>(catalog: Catalog, byPublisher: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(byPublisher).filter(([publisherId]) => catalog.publisher(publisherId) !== undefined));
}
