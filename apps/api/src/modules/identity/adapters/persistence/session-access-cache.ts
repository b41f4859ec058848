import { TtlMap } from '../../../../platform/cache/ttl-map';

export type AccessStatus = 'active' | 'inactive';

/**
 * Remembers for a few seconds whether a session's access tokens are honoured, so the bearer
 * check is not a query per request. Revocations in this process evict their entries once they
 * commit; another instance's revocation is seen within `ttlMs` at the latest.
 */
export class SessionAccessCache {
  private readonly entries: TtlMap<AccessStatus>;

  constructor(ttlMs = 5_000, maxEntries = 100_000) {
    this.entries = new TtlMap(ttlMs, maxEntries);
  }

  get ttlMs(): number {
    return this.entries.ttlMs;
  }

  get(sessionId: string, nowMs: number): AccessStatus | undefined {
    return this.entries.get(sessionId, nowMs);
  }

  /** Take before the query whose answer will be `set`: a revocation committing meanwhile voids it. */
  fence(): number {
    return this.entries.fence();
  }

  set(sessionId: string, status: AccessStatus, nowMs: number, fence: number): void {
    this.entries.set(sessionId, status, nowMs, fence);
  }

  evict(sessionIds: readonly string[]): void {
    this.entries.delete(sessionIds);
  }
}
