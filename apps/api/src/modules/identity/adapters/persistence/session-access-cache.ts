export type AccessStatus = 'active' | 'inactive';

/**
 * Remembers for a few seconds whether a session's access tokens are honoured, so the bearer
 * check is not a query per request. Revocations in this process evict their entries once they
 * commit; another instance's revocation is seen within `ttlMs` at the latest.
 */
export class SessionAccessCache {
  private readonly entries = new Map<string, { status: AccessStatus; expiresAtMs: number }>();

  constructor(
    readonly ttlMs = 5_000,
    private readonly maxEntries = 100_000,
  ) {}

  get(sessionId: string, nowMs: number): AccessStatus | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.status;
  }

  set(sessionId: string, status: AccessStatus, nowMs: number): void {
    // Maps iterate in insertion order: dropping the first key drops the oldest entry.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(sessionId, { status, expiresAtMs: nowMs + this.ttlMs });
  }

  evict(sessionIds: readonly string[]): void {
    for (const id of sessionIds) this.entries.delete(id);
  }
}
