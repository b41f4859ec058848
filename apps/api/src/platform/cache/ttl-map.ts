/**
 * A bounded map whose entries expire `ttlMs` after they were set: for per-process caches of
 * answers that may be a few seconds stale. Times are passed in (the caller's clock), so tests
 * move them. Full, it drops the oldest entry (Maps iterate in insertion order).
 */
export class TtlMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();

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

  set(key: string, value: V, nowMs: number): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, { value, expiresAtMs: nowMs + this.ttlMs });
  }

  delete(keys: Iterable<string>): void {
    for (const key of keys) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
