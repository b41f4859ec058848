import { TtlMap } from '@latchkey/platform';

export type AccessStatus = 'active' | 'inactive';

/** Whether a session's access tokens are honoured, and whose session it is. */
export interface SessionAccess {
  status: AccessStatus;
  /** The session's user; undefined for a session that does not exist. */
  userId: string | undefined;
}

/**
 * Remembers for a few seconds whether a session's access tokens are honoured, so the bearer
 * check is not a query per request. Revocations in this process evict their entries once they
 * commit; another process's (an instance, an operator command) arrive by NOTIFY at once
 * (SessionRevocationListener), and `ttlMs` bounds what a lost notification can leave stale.
 */
export class SessionAccessCache {
  private readonly entries: TtlMap<SessionAccess>;

  constructor(ttlMs = 5_000, maxEntries = 100_000) {
    this.entries = new TtlMap(ttlMs, maxEntries);
  }

  get ttlMs(): number {
    return this.entries.ttlMs;
  }

  get(sessionId: string, nowMs: number): SessionAccess | undefined {
    return this.entries.get(sessionId, nowMs);
  }

  /** The remembered status, or `load`'s, not remembered if a revocation committed while it ran. */
  through(sessionId: string, nowMs: number, load: () => Promise<SessionAccess>): Promise<SessionAccess> {
    return this.entries.through(sessionId, nowMs, load);
  }

  evict(sessionIds: readonly string[]): void {
    this.entries.delete(sessionIds);
  }

  /** Forget everything: revocations may have been missed (a lost listening connection). */
  clear(): void {
    this.entries.clear();
  }
}
