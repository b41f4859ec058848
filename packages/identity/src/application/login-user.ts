import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { InvalidCredentials } from '../domain/errors';
import type { AttemptVerdict } from '../domain/login-protection';
import { normalizePassword, PASSWORD_MAX_LENGTH, passwordLength } from '../domain/password-policy';
import type { IssuedTokens } from './issued-tokens';
import {
  AccountRepository,
  AuditLog,
  IdentityProbe,
  LoginAttemptGate,
  PasswordHasher,
  type RequestMeta,
} from './ports';
import { isAccountActive } from '../domain/account';
import { SessionStarter } from './session-starter';

export interface LoginUserCommand {
  email: string;
  password: string;
  deviceId?: string;
}

@Injectable()
export class LoginUser {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly hasher: PasswordHasher,
    private readonly attempts: LoginAttemptGate,
    private readonly starter: SessionStarter,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
    private readonly probe: IdentityProbe,
  ) {}

  async execute(command: LoginUserCommand, meta: RequestMeta): Promise<IssuedTokens> {
    const email = normalizeEmail(command.email);
    const password = normalizePassword(command.password);
    const account = await this.accounts.findByEmail(email);

    // Counted before any verification, for known and unknown addresses alike. While the address
    // is protected even the right password gets the ordinary failure, without an argon2 run.
    const verdict = await this.attempts.begin(email, meta.ip, this.clock.now());
    if (!verdict.allowed) return this.refuse(account?.id ?? null, email, meta, verdict);

    // Every failure costs one argon2 verification and one audit row, whichever the reason, so
    // neither the answer nor its timing tells an unknown address from a wrong password.
    if (!account || !isAccountActive(account) || passwordLength(password) > PASSWORD_MAX_LENGTH) {
      await this.hasher.verifyDummy(password);
      return this.fail(account?.id ?? null, email, meta, verdict);
    }
    const { ok, needsRehash } = await this.hasher.verify(account.passwordHash, password);
    if (!ok) return this.fail(account.id, email, meta, verdict);
    await this.attempts.succeeded(email, meta.ip);

    const rehashed = needsRehash ? await this.hasher.hash(password) : undefined;
    const now = this.clock.now();
    const open = () =>
      this.starter.open(
        { userId: account.id, deviceId: command.deviceId ?? null, activeOrganizationId: null, now },
        meta,
        { passwordRehashed: rehashed !== undefined },
      );
    // Only writes of values made here are left (the session, its first token, the event, an
    // upgraded hash): one statement, which commits all of them or none.
    const opened = await this.unitOfWork.runWrites(async () => {
      const started = await open();
      if (rehashed) await this.accounts.updatePasswordHash(account.id, rehashed, now);
      return started;
    });
    this.probe.loginAttempted('success');
    return this.starter.tokens(opened, now);
  }

  private async fail(
    userId: string | null,
    email: string,
    meta: RequestMeta,
    verdict: Extract<AttemptVerdict, { allowed: true }>,
  ): Promise<never> {
    // Only audit rows: one statement, whatever the number of rows (a brute force's hot path).
    await this.unitOfWork.runWrites(async () => {
      await this.audit.record({ type: 'UserLoginFailed', userId, sessionId: null, meta, data: { email } });
      if (verdict.lockSeconds > 0) {
        await this.audit.record({
          type: 'UserAccountLocked',
          userId,
          sessionId: null,
          meta,
          data: { email, consecutiveFailures: verdict.attempt, lockedForSeconds: verdict.lockSeconds },
        });
      }
    });
    this.probe.loginAttempted('invalid_credentials');
    if (verdict.lockSeconds > 0) this.probe.accountLocked();
    throw new InvalidCredentials();
  }

  /** Refused while protected: reported once per lock window, so a flood writes one row, not many. */
  private async refuse(
    userId: string | null,
    email: string,
    meta: RequestMeta,
    verdict: Extract<AttemptVerdict, { allowed: false }>,
  ): Promise<never> {
    if (verdict.firstRefusal) {
      await this.unitOfWork.runWrites(() =>
        this.audit.record({
          type: 'SuspiciousActivityDetected',
          userId,
          sessionId: null,
          meta,
          data: {
            email,
            reason: 'login_attempt_while_locked',
            lockRemainingSeconds: verdict.retryAfterSeconds,
          },
        }),
      );
    }
    this.probe.loginAttempted('locked');
    throw new InvalidCredentials();
  }
}
