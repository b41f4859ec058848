import type { PasswordResetToken } from '../../domain/password-reset-token';
import type { EmailVerification } from '../../domain/email-verification';

export abstract class PasswordResetRepository {
  /** Voids the account's unused tokens and stores the new one: only the newest link works. */
  abstract issue(token: PasswordResetToken, now: Date): Promise<void>;
  /** The account a still-usable token belongs to, without consuming it. */
  abstract findUsable(tokenHash: string, now: Date): Promise<string | undefined>;
  /**
   * Consumes the token if it is still usable, in one conditional UPDATE: of concurrent confirms
   * exactly one gets the account id back, the others undefined.
   */
  abstract consume(tokenHash: string, now: Date): Promise<string | undefined>;
  /** Voids every unused token of the account (its password changed by other means); returns how many. */
  abstract voidAll(accountId: string, now: Date): Promise<number>;
  /** Clean-up: deletes up to `limit` tokens that expired before `cutoff` (used or not); how many. */
  abstract deleteExpiredBefore(cutoff: Date, limit: number): Promise<number>;
}

export abstract class EmailVerificationRepository {
  /** Voids the account's unused verifications (a new one is about to be sent). */
  abstract voidUnused(accountId: string, now: Date): Promise<void>;
  abstract add(verification: EmailVerification): Promise<void>;
  /** The account's most recent verification, whatever its state. */
  abstract latest(accountId: string): Promise<EmailVerification | undefined>;
  /** The account's verifications created at or after `since` (for its daily allowances). */
  abstract createdSince(
    accountId: string,
    since: Date,
  ): Promise<Pick<EmailVerification, 'id' | 'createdAt' | 'failedCodeAttempts'>[]>;
  /** Consumes a usable verification by its link token, atomically; undefined if none. */
  abstract consumeByToken(tokenHash: string, now: Date): Promise<EmailVerification | undefined>;
  /** The account's newest unused, unvoided verification, locked until the transaction ends. */
  abstract lockCurrent(accountId: string): Promise<EmailVerification | undefined>;
  abstract recordWrongCode(id: string): Promise<void>;
  abstract markUsed(id: string, now: Date): Promise<void>;
  /** Clean-up: deletes up to `limit` verifications that expired before `cutoff`; how many. */
  abstract deleteExpiredBefore(cutoff: Date, limit: number): Promise<number>;
}

export type OneTimeSecretPurpose = 'password-reset' | 'email-verification' | 'verification-code';

/** Emailed secrets: generated from a CSPRNG, stored and compared only as keyed hashes. */
export abstract class OneTimeSecrets {
  /** 256 random bits, base64url. */
  abstract token(): string;
  /** Six decimal digits, uniformly random. */
  abstract code(): string;
  abstract hash(purpose: OneTimeSecretPurpose, value: string): string;
  /** Constant-time comparison of `value`'s hash with a stored one. */
  abstract matches(purpose: OneTimeSecretPurpose, value: string, storedHash: string): boolean;
}
