import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { InvalidOneTimeToken } from '../domain/errors';
import { normalizePassword, PasswordPolicy } from '../domain/password-policy';
import {
  AccountMailer,
  AccountRepository,
  AuditLog,
  LoginAttemptGate,
  OneTimeSecrets,
  PasswordHasher,
  PasswordResetRepository,
  type RequestMeta,
  SessionRepository,
} from './ports';
import { isAccountActive } from '../domain/account';

/**
 * Sets a new password from an emailed reset token. Every session of the user ends (whoever
 * needed the reset may not be the only one holding them); the user is told by email; the caller
 * is not logged in (a login follows, with the new password).
 */
@Injectable()
export class ConfirmPasswordReset {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly resets: PasswordResetRepository,
    private readonly sessions: SessionRepository,
    private readonly mailer: AccountMailer,
    private readonly secrets: OneTimeSecrets,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly attempts: LoginAttemptGate,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: { token: string; newPassword: string }, meta: RequestMeta): Promise<void> {
    const tokenHash = this.secrets.hash('password-reset', command.token);
    // A first look, so an invalid token costs no argon2 run and the policy knows the address;
    // the token is only consumed below, atomically.
    const accountId = await this.resets.findUsable(tokenHash, this.clock.now());
    const account = accountId === undefined ? undefined : await this.accounts.findById(accountId);
    if (!account || !isAccountActive(account)) throw new InvalidOneTimeToken();
    this.policy.assertAcceptable(command.newPassword, account.email, 'newPassword');

    const passwordHash = await this.hasher.hash(normalizePassword(command.newPassword));
    const now = this.clock.now();
    await this.unitOfWork.run(async () => {
      // Of concurrent confirms with one token, exactly one gets past this line.
      if ((await this.resets.consume(tokenHash, now)) !== account.id) throw new InvalidOneTimeToken();
      await this.accounts.updatePasswordHash(account.id, passwordHash, now);
      // Opening the link proved control of the mailbox.
      await this.accounts.markEmailVerified(account.id, account.email, now);
      await this.resets.voidAll(account.id, now);
      const revoked = await this.sessions.revoke(
        await this.sessions.listLiveIdsForUser(account.id),
        'password_reset',
        now,
      );
      await this.mailer.queue({ kind: 'password-changed', to: account.email, at: now, via: 'reset' });
      await this.audit.record({
        type: 'PasswordResetCompleted',
        userId: account.id,
        sessionId: null,
        meta,
        data: { revokedSessions: revoked.length },
      });
    });
    // The owner is back in control: guesses counted against the address, from any client, no
    // longer matter. Best effort: the password is already changed, and a counter left behind
    // (its store unreachable) expires on its own.
    await this.attempts.release(account.email).catch(() => undefined);
  }
}
