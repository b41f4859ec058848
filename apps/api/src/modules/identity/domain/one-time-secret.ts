/**
 * Secrets that prove control of a mailbox: password-reset tokens, email-verification tokens and
 * codes. They are stored only as keyed hashes, work once, expire, and a newer one voids the older.
 */
export interface OneTimeSecretState {
  expiresAt: Date;
  usedAt: Date | null;
  voidedAt: Date | null;
}

export function isUsable(secret: OneTimeSecretState, now: Date): boolean {
  return secret.usedAt === null && secret.voidedAt === null && now < secret.expiresAt;
}

export function expiryAfter(now: Date, ttlSeconds: number): Date {
  return new Date(now.getTime() + ttlSeconds * 1000);
}

/**
 * Wrong codes allowed per issued code. A 6-digit code has 10^6 values: five guesses per code,
 * and one code per resend cooldown, leave an attacker a 1 in 200,000 chance per code issued.
 */
export const MAX_CODE_ATTEMPTS = 5;

export type CodeCheck = 'accept' | 'wrong' | 'exhausted';

/** Once the attempts are spent the code is dead, even if the next guess is right. */
export function checkCode(failedAttempts: number, matches: boolean): CodeCheck {
  if (failedAttempts >= MAX_CODE_ATTEMPTS) return 'exhausted';
  return matches ? 'accept' : 'wrong';
}

/** Where an email stands: `retrying` has failed at least once; `failed` was given up on. */
export type DeliveryState = 'queued' | 'sent' | 'retrying' | 'failed' | 'cancelled';

/**
 * Seconds before another verification email may go to the address: the cooldown runs from the
 * previous one unless that one could not be sent (a failed send must not lock the user out of
 * asking again).
 */
export function resendWaitSeconds(
  previous: { createdAt: Date; delivery: DeliveryState } | undefined,
  now: Date,
  cooldownSeconds: number,
): number {
  if (!previous || !['queued', 'sent'].includes(previous.delivery)) return 0;
  const elapsed = (now.getTime() - previous.createdAt.getTime()) / 1000;
  return Math.max(0, Math.ceil(cooldownSeconds - elapsed));
}
