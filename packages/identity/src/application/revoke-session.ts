import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { SessionNotFound } from '../domain/errors';
import { AuditLog, type RequestMeta, SessionRepository } from './ports';

/** A user ends one of their own sessions (e.g. "sign out that lost phone"). */
@Injectable()
export class RevokeSession {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: { userId: string; sessionId: string }, meta: RequestMeta): Promise<void> {
    const now = this.clock.now();
    await this.unitOfWork.run(async () => {
      const session = await this.sessions.findById(command.sessionId);
      // Another user's session is indistinguishable from a missing one.
      if (!session || session.userId !== command.userId) throw new SessionNotFound();
      const revoked = await this.sessions.revoke([session.id], 'revoked_by_user', now);
      if (revoked.length > 0) {
        await this.audit.record({
          type: 'SessionRevoked',
          userId: command.userId,
          sessionId: session.id,
          meta,
        });
      }
    });
  }
}
