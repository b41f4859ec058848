import { Injectable } from '@nestjs/common';
import { Clock, NotFound, UnitOfWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { AccountRepository, AuditLog, PasswordResetRepository } from './ports';

/**
 * An operator makes every reset link the address was sent unusable (a link suspected to have
 * leaked: a forwarded email, a shared mailbox), without sending anything or changing the
 * password. Recorded as `PasswordResetLinksVoided` with the count, in the same transaction.
 */
@Injectable()
export class VoidPasswordResetLinks {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly resets: PasswordResetRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(email: string): Promise<{ userId: string; voided: number }> {
    const account = await this.accounts.findByEmail(normalizeEmail(email));
    if (!account) throw new NotFound(`No account with email ${email}`);
    const now = this.clock.now();
    return this.unitOfWork.run(async () => {
      const voided = await this.resets.voidAll(account.id, now);
      await this.audit.record({
        type: 'PasswordResetLinksVoided',
        userId: account.id,
        sessionId: null,
        meta: { ip: null, userAgent: 'latchkey-cli', requestId: null },
        data: { by: 'operator', count: voided },
      });
      return { userId: account.id, voided };
    });
  }
}
