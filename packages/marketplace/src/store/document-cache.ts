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

/** One kind of entry, at most `limit` of them: past it, the oldest is dropped. */
class Shelf<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  put(key: string, value: V): void {
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** What the cache keeps, by kind. */
export interface Kept {
  documents: CachedDocument;
  pages: CachedPage;
  tokens: CachedToken;
}

export class DocumentCache {
  readonly shelves: { readonly [K in keyof Kept]: Shelf<Kept[K]> };
  /** Bumped on every invalidation: a read that started before it must not fill the cache. */
  private generation = 0;

  constructor(documentLimit = 50_000) {
    this.shelves = { documents: new Shelf(documentLimit), pages: new Shelf(PAGE_LIMIT), tokens: new Shelf(TOKEN_LIMIT) };
  }

  /**
   * The entry of that kind under `key`, or what `load` reads from the database, kept unless a write
   * committed while it read (it might be older than that write).
   */
  async through<K extends keyof Kept, Found extends Kept[K] | undefined>(kind: K, key: string, load: () => Promise<Found>): Promise<Found> {
    const shelf: Shelf<Kept[K]> = this.shelves[kind];
    // What is kept there came from a load of the same kind.
    const kept = shelf.get(key) as Found | undefined;
    if (kept !== undefined) return kept;
    const snapshot = this.generation;
    const value = await load();
    if (value !== undefined && snapshot === this.generation) shelf.put(key, value);
    return value;
  }

  clear(): void {
    this.generation++;
    for (const shelf of Object.values(this.shelves)) shelf.clear();
  }

  invalidate(ids: Iterable<string>): void {
    this.generation++;
    for (const id of ids) this.shelves.documents.delete(id);
    this.shelves.pages.clear();
  }
}
