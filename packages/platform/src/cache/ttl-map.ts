/**
 * A bounded map whose entries expire `ttlMs` after they were set: for per-process caches of
 * answers that may be a few seconds stale. Times are passed in (the caller's clock), so tests
 * move them. Full, it drops the oldest entry (Maps iterate in insertion order); expired entries
 * go as new ones come, whether or not anyone asks for them again.
 *
 * A cache filled from a read races the deletions that invalidate it: a query that ran before a
 * revocation committed can finish after the revocation deleted the entry, and would put the old
 * answer back for `ttlMs`. So `through` remembers a loaded value only if no entry was deleted
 * while it loaded. One counter for all keys: a deletion costs the loads in flight at that moment
 * their caching, never their answers.
 */
export class TtlMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();
  private deletions = 0;

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * The entry for `key`, or `load`'s value, remembered unless an entry was deleted while it loaded
   * (see the class comment). `load`'s errors pass through, and nothing is remembered.
   */
  async through(key: string, nowMs: number, load: () => Promise<V>): Promise<V> {
    const cached = this.get(key, nowMs);
    if (cached !== undefined) return cached;
    const deletionsBefore = this.deletions;
    const value = await load();
    if (this.deletions === deletionsBefore) this.set(key, value, nowMs);
    return value;
  }

  /**
   * An entry set again moves to the end, so the entries stay in the order they expire: each set
   * first drops up to two expired entries from the front. Keys read only once (the replay memory
   * of internal tokens: a fresh id per request) would otherwise stay until the map is full.
   */
  set(key: string, value: V, nowMs: number): void {
    this.dropExpired(nowMs, 2);
    if (!this.entries.delete(key) && this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, { value, expiresAtMs: nowMs + this.ttlMs });
  }

  private dropExpired(nowMs: number, most: number): void {
    for (let dropped = 0; dropped < most; dropped++) {
      const oldest = this.entries.entries().next();
      if (oldest.done || oldest.value[1].expiresAtMs > nowMs) return;
      this.entries.delete(oldest.value[0]);
    }
  }

  delete(keys: Iterable<string>): void {
    for (const key of keys) this.entries.delete(key);
    this.deletions++;
  }

  clear(): void {
    this.entries.clear();
    this.deletions++;
  }

  get size(): number {
    return this.entries.size;
  }
}
