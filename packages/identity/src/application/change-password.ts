import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { CurrentPasswordIncorrect, InvalidAccessToken } from '../domain/errors';
import {
  normalizePassword,
  PASSWORD_MAX_LENGTH,
  passwordLength,
  PasswordPolicy,
} from '../domain/password-policy';
import {
  AccountMailer,
  AccountRepository,
  AuditLog,
  LoginAttemptGate,
  PasswordHasher,
  PasswordResetRepository,
  type RequestMeta,
  SessionRepository,
} from './ports';
import { isAccountActive } from '../domain/account';

export interface ChangePasswordCommand {
  userId: string;
  sessionId: string;
  currentPassword: string;
  newPassword: string;
}

/**
 * The signed-in user sets a new password. The current one is checked through the same attempt
 * gate as login: a stolen access token must not become an unthrottled password oracle. Every
 * other session ends; this one stays.
 */
@Injectable()
export class ChangePassword {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly sessions: SessionRepository,
    private readonly resets: PasswordResetRepository,
    private readonly mailer: AccountMailer,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly attempts: LoginAttemptGate,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: ChangePasswordCommand, meta: RequestMeta): Promise<void> {
    const account = await this.accounts.findById(command.userId);
    if (!account || !isAccountActive(account)) throw new InvalidAccessToken();
    this.policy.assertAcceptable(command.newPassword, account.email, 'newPassword');

    const verdict = await this.attempts.begin(account.email, meta.ip, this.clock.now());
    if (!verdict.allowed) throw new CurrentPasswordIncorrect();
    const current = normalizePassword(command.currentPassword);
    const { ok } =
      passwordLength(current) > PASSWORD_MAX_LENGTH
        ? { ok: false }
        : await this.hasher.verify(account.passwordHash, current);
    if (!ok) throw new CurrentPasswordIncorrect();
    await this.attempts.succeeded(account.email, meta.ip);

    const passwordHash = await this.hasher.hash(normalizePassword(command.newPassword));
    const now = this.clock.now();
    await this.unitOfWork.run(async () => {
      await this.accounts.updatePasswordHash(account.id, passwordHash, now);
      await this.resets.voidAll(account.id, now);
      const others = (await this.sessions.listLiveIdsForUser(account.id)).filter(
        (id) => id !== command.sessionId,
      );
      const revoked = await this.sessions.revoke(others, 'password_changed', now);
      await this.mailer.queue({ kind: 'password-changed', to: account.email, at: now, via: 'change' });
      await this.audit.record({
        type: 'PasswordChanged',
        userId: account.id,
        sessionId: command.sessionId,
        meta,
        data: { revokedSessions: revoked.length },
      });
    });
  }
}
