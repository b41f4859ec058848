import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { InvalidOneTimeToken } from '../domain/errors';
import { ALLOWANCE_WINDOW_MS, checkCode, isUsable } from '../domain/one-time-secret';
import { GetCurrentUser } from './get-current-user';
import {
  AccountRepository,
  AuditLog,
  EmailVerificationRepository,
  LoginAttemptGate,
  OneTimeSecrets,
  type RequestMeta,
} from './ports';
import { isAccountActive } from '../domain/account';
import type { UserPublic } from './user-public';

/** An id no row has: the statements of a refusal run on it when there is nothing to find. */
const NO_ROW = '00000000-0000-0000-0000-000000000000';

/** The link's token, or the address and the 6-digit code typed into the app. */
export type VerificationProof = { token: string } | { email: string; code: string };

@Injectable()
export class ConfirmEmailVerification {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly verifications: EmailVerificationRepository,
    private readonly secrets: OneTimeSecrets,
    private readonly currentUser: GetCurrentUser,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
    private readonly attempts: LoginAttemptGate,
  ) {}

  async execute(proof: VerificationProof, meta: RequestMeta): Promise<UserPublic> {
    const userId = 'token' in proof ? await this.byToken(proof.token, meta) : await this.byCode(proof, meta);
    if (userId === undefined) throw new InvalidOneTimeToken();
    const user = await this.currentUser.execute(userId);
    // Control of the mailbox is proven, as by a password reset: guesses counted against the
    // address no longer keep its owner out. Best effort, as there: a counter left behind expires.
    await this.attempts.release(user.email).catch(() => undefined);
    return user;
  }

  private byToken(token: string, meta: RequestMeta): Promise<string | undefined> {
    const now = this.clock.now();
    return this.unitOfWork.run(async () => {
      const verification = await this.verifications.consumeByToken(
        this.secrets.hash('email-verification', token),
        now,
      );
      if (!verification) return undefined;
      return this.verify(verification.accountId, verification.email, 'link', now, meta);
    });
  }

  /**
   * The attempt count is written in the same transaction that refuses the code, and the
   * transaction commits (the refusal is thrown after it), so a wrong guess always counts: against
   * the code (five) and against the account (twenty in 24 hours, every code's together).
   *
   * Every refusal does the same work, whether the address has an account, the account a usable
   * code, or neither: the lock, the day's count, the comparison, one write (on no row when there
   * is nothing to count) and the audit row. Before, an unknown address answered in a third of the
   * time of one with a pending code, which told an attacker which addresses have accounts. The
   * audit row is also what makes the commits alike: a transaction that wrote nothing commits
   * without waiting for its log to reach the disk, and under a busy disk that wait was 14 ms
   * (the difference `verify-confirm-timing` measures with the disk kept busy).
   */
  private async byCode(
    proof: { email: string; code: string },
    meta: RequestMeta,
  ): Promise<string | undefined> {
    const account = await this.accounts.findByEmail(normalizeEmail(proof.email));
    const accountId = account && isAccountActive(account) ? account.id : NO_ROW;
    const now = this.clock.now();
    return this.unitOfWork.run(async () => {
      const current = await this.verifications.lockCurrent(accountId);
      const verification = current && isUsable(current, now) ? current : undefined;
      const matches = this.secrets.matches(
        'verification-code',
        `${verification?.id ?? NO_ROW}:${proof.code}`,
        verification?.codeHash ?? '',
      );
      // The current code's count as read under its lock; older codes are voided, their counts settled.
      const recent = await this.verifications.createdSince(
        accountId,
        new Date(now.getTime() - ALLOWANCE_WINDOW_MS),
      );
      const failedOnThisCode = verification?.failedCodeAttempts ?? 0;
      const failedToday = recent
        .filter(({ id }) => id !== verification?.id)
        .reduce((sum, { failedCodeAttempts }) => sum + failedCodeAttempts, failedOnThisCode);
      const check = verification && checkCode({ failedOnThisCode, failedToday }, matches);
      if (!verification || check !== 'accept') {
        await this.verifications.recordWrongCode(
          verification && check === 'wrong' ? verification.id : NO_ROW,
        );
        await this.audit.record({
          type: 'EmailVerificationCodeRefused',
          userId: accountId === NO_ROW ? null : accountId,
          sessionId: null,
          meta,
          data: { email: normalizeEmail(proof.email) },
        });
        return undefined;
      }
      await this.verifications.markUsed(verification.id, now);
      return this.verify(accountId, verification.email, 'code', now, meta);
    });
  }

  private async verify(
    accountId: string,
    email: string,
    method: 'link' | 'code',
    now: Date,
    meta: RequestMeta,
  ): Promise<string | undefined> {
    // The secret verifies the address it was sent to; if the account's address is another by
    // now, it verifies nothing.
    if (!(await this.accounts.markEmailVerified(accountId, email, now))) return undefined;
    await this.audit.record({
      type: 'EmailVerified',
      userId: accountId,
      sessionId: null,
      meta,
      data: { method },
    });
    return accountId;
  }
}
