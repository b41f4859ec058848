import { Injectable } from '@nestjs/common';
import { Clock } from '../../../shared-kernel/clock';
import { UnitOfWork } from '../../../shared-kernel/unit-of-work';
import { AuditLog, SessionRepository } from './ports';

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
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
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
      revoked += await this.unitOfWork.run(async () => {
        const ids = await this.sessions.revoke([...owners.keys()], 'revoked_by_operator', this.clock.now());
        for (const sessionId of ids) {
          await this.audit.record({
            type: 'SessionRevoked',
            userId: owners.get(sessionId)!,
            sessionId,
            meta: { ip: null, userAgent: 'latchkey-cli', requestId: null },
            data: { by: 'operator' },
          });
        }
        return ids.length;
      });
    }
  }
}
