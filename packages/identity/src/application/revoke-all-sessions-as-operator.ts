import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { OperatorSessionRevocation } from './operator-session-revocation';
import { SessionRepository } from './ports';

const BATCH = 500;

/**
 * An operator ends every session at once: a database copy or the server secret may have leaked,
 * or an incident calls for everyone to sign in again. Every session that existed when the command
 * started is revoked, a batch at a time (each batch one transaction with its `SessionRevoked`
 * events, so a million sessions never sit in one transaction); sessions begun meanwhile, users
 * signing in again, are left alone, so the command ends. Running it twice revokes nothing twice.
 */
@Injectable()
export class RevokeAllSessionsAsOperator {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly revocation: OperatorSessionRevocation,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(): Promise<{ revoked: number }> {
    const startedAt = this.clock.now();
    let revoked = 0;
    let afterId: string | undefined;
    for (;;) {
      const page = await this.sessions.listLive({ createdAtOrBefore: startedAt, afterId, limit: BATCH });
      if (page.length === 0) return { revoked };
      afterId = page[page.length - 1]!.id;
      const owners = new Map(page.map((session) => [session.id, session.userId]));
      revoked += await this.unitOfWork.run(
        async () => (await this.revocation.revoke(owners, this.clock.now())).length,
      );
    }
  }
}
