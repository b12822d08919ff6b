// Read-through cache of serialized subscriptions and list pages for the API's hot read paths (get
// subscription, list subscriptions). Writers invalidate after commit; a reader stores what it read only
// if no write committed since it looked, so the cache never holds a document older than the database's.
// Any subscription written may change any page (a new one, a changed status), so a write drops them all.
// Landing tokens never change once issued, so a token found is kept until the state is cleared.

export interface CachedDocument {
  publisherId: string;
  doc: string;
}

/** One page of a publisher's subscriptions: the JSON array's inside, and the id to continue after. */
export interface CachedPage {
  json: string;
  count: number;
  nextAfter: string | undefined;
}

/** The most pages kept: a few per publisher and page size covers the pages clients walk. */
const PAGE_LIMIT = 1000;
/** The most landing tokens kept (found ones only). */
const TOKEN_LIMIT = 10_000;

/** What a landing token names, by the token's hash. */
export interface CachedToken {
  subscriptionId: string;
  expiresAt: string;
}

export class DocumentCache {
  private readonly documents = new Map<string, CachedDocument>();
  private readonly pages = new Map<string, CachedPage>();
  private readonly tokens = new Map<string, CachedToken>();
  /** Bumped on every invalidation: a read that started before it must not fill the cache. */
  private generation = 0;

  constructor(private readonly limit = 50_000) {}

  get(id: string): CachedDocument | undefined {
    return this.documents.get(id);
  }

  /** Marks the start of a database read; pass the result to `fill`. */
  snapshot(): number {
    return this.generation;
  }

  fill(id: string, document: CachedDocument, snapshot: number): void {
    if (snapshot !== this.generation) return;
    if (this.documents.size >= this.limit) {
      const oldest = this.documents.keys().next().value;
      if (oldest !== undefined) this.documents.delete(oldest);
    }
    this.documents.set(id, document);
  }

  page(key: string): CachedPage | undefined {
    return this.pages.get(key);
  }

  fillPage(key: string, page: CachedPage, snapshot: number): void {
    if (snapshot !== this.generation) return;
    if (this.pages.size >= PAGE_LIMIT) this.pages.clear();
    this.pages.set(key, page);
  }

  token(hash: string): CachedToken | undefined {
    return this.tokens.get(hash);
  }

  fillToken(hash: string, token: CachedToken, snapshot: number): void {
    if (snapshot !== this.generation) return;
    if (this.tokens.size >= TOKEN_LIMIT) this.tokens.clear();
    this.tokens.set(hash, token);
  }

  clear(): void {
    this.generation++;
    this.documents.clear();
    this.pages.clear();
    this.tokens.clear();
  }

  invalidate(ids: Iterable<string>): void {
    this.generation++;
    for (const id of ids) this.documents.delete(id);
    this.pages.clear();
  }
}
