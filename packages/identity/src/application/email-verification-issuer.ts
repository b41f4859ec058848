import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import {
  ALLOWANCE_WINDOW_MS,
  dailyAllowanceWaitSeconds,
  expiryAfter,
  resendWaitSeconds,
} from '../domain/one-time-secret';
import {
  AccountMailer,
  AuditLog,
  EmailVerificationRepository,
  IdentitySettings,
  IdGenerator,
  OneTimeSecrets,
  type RequestMeta,
  TransactionLock,
} from './ports';
import type { Account } from '../domain/account';

export type IssueOutcome = { issued: true } | { issued: false; retryAfterSeconds: number };

/**
 * Sends a verification email (a link token and a 6-digit code) unless one went to the address
 * within the resend cooldown, or the account has had its daily allowance. Shared by registration
 * and by "send it again".
 */
@Injectable()
export class EmailVerificationIssuer {
  constructor(
    private readonly verifications: EmailVerificationRepository,
    private readonly mailer: AccountMailer,
    private readonly secrets: OneTimeSecrets,
    private readonly lock: TransactionLock,
    private readonly settings: IdentitySettings,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  /** "Send it again": in a transaction of its own, unless within the cooldown. */
  issue(account: Pick<Account, 'id' | 'email'>, meta: RequestMeta): Promise<IssueOutcome> {
    return this.unitOfWork.run(async () => {
      // Two requests at once must not both pass the cooldown: they queue here, per account.
      await this.lock.acquire(`email-verification:${account.id}`);
      const now = this.clock.now();
      const previous = await this.verifications.latest(account.id);
      const delivery = previous?.messageId ? await this.mailer.deliveryState(previous.messageId) : 'sent';
      const wait = resendWaitSeconds(
        previous && { createdAt: previous.createdAt, delivery },
        now,
        this.settings.verificationResendCooldownSeconds,
      );
      if (wait > 0) return { issued: false, retryAfterSeconds: wait };
      const sentToday = await this.verifications.createdSince(
        account.id,
        new Date(now.getTime() - ALLOWANCE_WINDOW_MS),
      );
      const dailyWait = dailyAllowanceWaitSeconds(
        sentToday.map(({ createdAt }) => createdAt),
        now,
      );
      if (dailyWait > 0) return { issued: false, retryAfterSeconds: dailyWait };
      // The previous email, if still unsent, would only carry a voided code: withdraw it.
      if (previous?.messageId && (delivery === 'queued' || delivery === 'retrying'))
        await this.mailer.cancel(previous.messageId);
      await this.verifications.voidUnused(account.id, now);
      await this.send(account, now, meta);
      return { issued: true };
    });
  }

  /**
   * The first verification of an account written in the caller's transaction (registration,
   * sign-up): no one else can see the account yet, so there is no earlier verification to void,
   * no cooldown to respect and no concurrent request to queue behind.
   */
  async issueFirst(account: Pick<Account, 'id' | 'email'>, meta: RequestMeta): Promise<void> {
    await this.send(account, this.clock.now(), meta);
  }

  private async send(account: Pick<Account, 'id' | 'email'>, now: Date, meta: RequestMeta): Promise<void> {
    const id = this.ids.next();
    const token = this.secrets.token();
    const code = this.secrets.code();
    const expiresAt = expiryAfter(now, this.settings.emailVerificationTtlSeconds);
    const messageId = await this.mailer.queue({
      kind: 'email-verification',
      to: account.email,
      token,
      code,
      expiresAt,
    });
    await this.verifications.add({
      id,
      accountId: account.id,
      email: account.email,
      tokenHash: this.secrets.hash('email-verification', token),
      codeHash: this.secrets.hash('verification-code', `${id}:${code}`),
      failedCodeAttempts: 0,
      createdAt: now,
      expiresAt,
      usedAt: null,
      voidedAt: null,
      messageId,
    });
    await this.audit.record({ type: 'EmailVerificationSent', userId: account.id, sessionId: null, meta });
  }
}
