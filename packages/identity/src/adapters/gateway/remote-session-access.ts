import { TtlMap } from '@latchkey/platform';
import type { InternalHttpClient } from '@latchkey/platform-http';
import { SessionAccess } from '../../application/ports';

type Status = 'active' | 'inactive';

/**
 * The gateway's half of the bearer check that needs the sessions table: asked of the auth service
 * (its internal API, which answers from its own 5-second session cache) and remembered here for
 * `ttlMs`, so a revoked, logged-out or reuse-detected session is refused at the gateway within
 * that bound plus the auth service's own (docs/security.md). Concurrent checks of one session
 * share one call. An unreachable auth service is a 503, never an accepted token.
 */
export class RemoteSessionAccess extends SessionAccess {
  private readonly remembered: TtlMap<{ status: Status; userId: string }>;

  constructor(
    private readonly auth: InternalHttpClient,
    ttlMs = 5_000,
    maxEntries = 100_000,
  ) {
    super();
    this.remembered = new TtlMap(ttlMs, maxEntries);
  }

  async accessStatus(sessionId: string, userId: string, now: Date): Promise<Status> {
    const known = await this.remembered.through(sessionId, now.getTime(), async () => {
      const query = new URLSearchParams({ userId });
      const answer = await this.auth.call<{ status: Status }>(
        'GET',
        `/internal/sessions/${sessionId}/access?${query}`,
      );
      return { status: answer?.status ?? 'inactive', userId };
    });
    // The remembered answer was for the session's user: a token naming another `sub` gets none.
    return known.userId === userId ? known.status : 'inactive';
  }
}
