import { Injectable } from '@nestjs/common';
import { BackgroundWork, Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { expiryAfter } from '../domain/one-time-secret';
import {
  AccountMailer,
  AccountRepository,
  AuditLog,
  IdentitySettings,
  IdGenerator,
  OneTimeSecrets,
  PasswordResetRepository,
  type RequestMeta,
} from './ports';
import { isAccountActive } from '../domain/account';

/**
 * "Forgot password". Answered (202) before the address is even looked up, so neither the answer
 * nor its timing can say whether the address has an account; the lookup, the token and the email
 * follow in the background, in one transaction. Works while the address is under login protection.
 */
@Injectable()
export class RequestPasswordReset {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly resets: PasswordResetRepository,
    private readonly mailer: AccountMailer,
    private readonly secrets: OneTimeSecrets,
    private readonly settings: IdentitySettings,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
    private readonly background: BackgroundWork,
  ) {}

  execute(command: { email: string }, meta: RequestMeta): void {
    const email = normalizeEmail(command.email);
    this.background.run('password reset request', () => this.issue(email, meta));
  }

  private async issue(email: string, meta: RequestMeta): Promise<void> {
    const account = await this.accounts.findByEmail(email);
    const eligible = account !== undefined && isAccountActive(account);
    const now = this.clock.now();

    await this.unitOfWork.run(async () => {
      if (eligible) {
        const token = this.secrets.token();
        const expiresAt = expiryAfter(now, this.settings.passwordResetTtlSeconds);
        await this.resets.issue(
          {
            id: this.ids.next(),
            accountId: account.id,
            tokenHash: this.secrets.hash('password-reset', token),
            createdAt: now,
            expiresAt,
          },
          now,
        );
        await this.mailer.queue({ kind: 'password-reset', to: account.email, token, expiresAt });
      }
      await this.audit.record({
        type: 'PasswordResetRequested',
        userId: account?.id ?? null,
        sessionId: null,
        meta,
        data: { email, emailSent: eligible },
      });
    });
  }
}
