import { Injectable } from '@nestjs/common';
import { AuditLog, SessionRepository } from './ports';

/**
 * How an operator's revocation is written, whichever sessions the operator picked (a user's, one
 * chain, everyone's): `revoked_by_operator`, and a `SessionRevoked` event from the CLI for each
 * session it actually ended. Runs in the caller's unit of work.
 */
@Injectable()
export class OperatorSessionRevocation {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly audit: AuditLog,
  ) {}

  /** Ends the sessions `owners` names (session id → its user's id); returns those it ended. */
  async revoke(owners: ReadonlyMap<string, string>, now: Date): Promise<string[]> {
    const revoked = await this.sessions.revoke([...owners.keys()], 'revoked_by_operator', now);
    for (const sessionId of revoked) {
      await this.audit.record({
        type: 'SessionRevoked',
        userId: owners.get(sessionId)!,
        sessionId,
        meta: { ip: null, userAgent: 'latchkey-cli', requestId: null },
        data: { by: 'operator' },
      });
    }
    return revoked;
  }
}
