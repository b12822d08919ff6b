// Read-through cache of serialized subscriptions for the API's hot read path (get subscription).
// Writers invalidate after commit; a reader stores what it read only if no write to that id committed
// since it looked, so the cache never holds a document older than the database's.

export interface CachedDocument {
  publisherId: string;
  doc: string;
}

export class DocumentCache {
  private readonly documents = new Map<string, CachedDocument>();
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

  clear(): void {
    this.generation++;
    this.documents.clear();
  }

  invalidate(ids: Iterable<string>): void {
    this.generation++;
    for (const id of ids) this.documents.delete(id);
  }
}
