import { Injectable } from '@nestjs/common';
import { Clock, NotFound, UnitOfWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { OperatorSessionRevocation } from './operator-session-revocation';
import { AccountRepository, SessionRepository } from './ports';

export type OperatorRevocation = { email: string } | { sessionId: string };

/**
 * An operator ends a user's sessions (a stolen laptop, an offboarding) or one chain, from the CLI.
 * Refresh tokens stop at once; this API refuses their access tokens at once; other services
 * verifying through JWKS accept those until they expire (≤ ACCESS_TOKEN_TTL_SECONDS).
 */
@Injectable()
export class RevokeSessionsAsOperator {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly sessions: SessionRepository,
    private readonly revocation: OperatorSessionRevocation,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(target: OperatorRevocation): Promise<{ userId: string; revoked: string[] }> {
    const now = this.clock.now();
    return this.unitOfWork.run(async () => {
      let userId: string;
      let sessionIds: string[];
      if ('email' in target) {
        const account = await this.accounts.findByEmail(normalizeEmail(target.email));
        if (!account) throw new NotFound(`No account with email ${target.email}`);
        userId = account.id;
        sessionIds = await this.sessions.listLiveIdsForUser(userId);
      } else {
        const session = await this.sessions.findById(target.sessionId);
        if (!session) throw new NotFound(`No session ${target.sessionId}`);
        userId = session.userId;
        sessionIds = [session.id];
      }
      const owners = new Map(sessionIds.map((sessionId) => [sessionId, userId]));
      const revoked = await this.revocation.revoke(owners, now);
      return { userId, revoked };
    });
  }
}
