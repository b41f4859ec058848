import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { AuthenticationRequired } from '../domain/errors';
import { AuditLog, RefreshTokenCodec, type RequestMeta, SessionRepository } from './ports';

export interface LogoutCommand {
  /** From the body or the cookie. */
  refreshToken?: string;
  /** From a valid bearer token, when one was sent. */
  principal?: { userId: string; sessionId: string };
  allDevices: boolean;
}

/**
 * Ends the session a refresh token (or the bearer's `sid`) belongs to, or every session of the
 * user. Idempotent, like RFC 7009 revocation: an unknown or already revoked token is not an error.
 */
@Injectable()
export class Logout {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly codec: RefreshTokenCodec,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: LogoutCommand, meta: RequestMeta): Promise<void> {
    if (command.refreshToken === undefined && command.principal === undefined)
      throw new AuthenticationRequired();
    const now = this.clock.now();

    await this.unitOfWork.run(async () => {
      const byToken =
        command.refreshToken !== undefined
          ? await this.sessions.findSessionIdByTokenHash(this.codec.hash(command.refreshToken))
          : undefined;
      const sessionId = byToken ?? command.principal?.sessionId;
      const session = sessionId ? await this.sessions.findById(sessionId) : undefined;
      if (!session) return;

      const targets = command.allDevices
        ? await this.sessions.listLiveIdsForUser(session.userId)
        : [session.id];
      const revoked = await this.sessions.revoke(
        targets,
        command.allDevices ? 'logout_all_devices' : 'logout',
        now,
      );
      if (revoked.length === 0) return;
      await this.audit.record({
        type: 'UserLoggedOut',
        userId: session.userId,
        sessionId: session.id,
        meta,
        data: { allDevices: command.allDevices, revokedSessions: revoked },
      });
    });
  }
}
