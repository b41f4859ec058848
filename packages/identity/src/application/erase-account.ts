import { Injectable } from '@nestjs/common';
import { Clock, type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { AccountMailer, AccountRepository, AuditLog, SessionRepository } from './ports';

/**
 * The identity half of deleting a user (DeleteUser in user-profile drives it, in its transaction).
 * Sessions are revoked first, so this API's cached session checks drop them at commit; then the
 * account row goes, and with it (cascade) its sessions, refresh tokens and emailed secrets; the
 * audit trail keeps the user id only; mail to the address is forgotten.
 */
@Injectable()
export class EraseAccount {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly sessions: SessionRepository,
    private readonly mailer: AccountMailer,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  execute(userId: string, _meta: RequestMeta): Promise<void> {
    return this.unitOfWork.run(async () => {
      const account = await this.accounts.findById(userId);
      if (!account) return;
      await this.sessions.revoke(
        await this.sessions.listLiveIdsForUser(userId),
        'user_deleted',
        this.clock.now(),
      );
      await this.accounts.delete(userId);
      await this.mailer.forget(account.email);
      await this.audit.redactUser(userId);
    });
  }
}
