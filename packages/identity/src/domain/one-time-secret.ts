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

/** Wrong codes allowed per issued code: five guesses at 10^6 values, 1 in 200,000 per code. */
export const MAX_CODE_ATTEMPTS = 5;

/**
 * Wrong codes allowed per account over any 24 hours, across every code issued to it. Per code
 * alone is not enough: whoever registers an address they do not own can ask for a fresh code each
 * resend cooldown and spend five guesses on each, ~7,000 a day, even odds within three months of
 * marking the address verified. Twenty a day makes that ~0.7 % a year; the link still works.
 */
export const MAX_CODE_ATTEMPTS_PER_DAY = 20;

/** The rolling day an account's allowances (wrong codes, verification emails) are counted over. */
export const ALLOWANCE_WINDOW_MS = 24 * 60 * 60 * 1000;

export type CodeCheck = 'accept' | 'wrong' | 'exhausted';

/**
 * Once either allowance is spent, codes are refused, even the right one: the current code's five,
 * or the account's twenty in the last 24 hours (`failedToday` counts every code's).
 */
export function checkCode(
  attempts: { failedOnThisCode: number; failedToday: number },
  matches: boolean,
): CodeCheck {
  if (attempts.failedOnThisCode >= MAX_CODE_ATTEMPTS) return 'exhausted';
  if (attempts.failedToday >= MAX_CODE_ATTEMPTS_PER_DAY) return 'exhausted';
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

/**
 * Verification emails an account may be sent in any 24 hours, resends and the first together. The
 * cooldown alone would let whoever registered someone else's address have ~1,400 emails a day
 * sent to it; ten is more than anyone waiting for a lost email asks for.
 */
export const MAX_VERIFICATION_EMAILS_PER_DAY = 10;

/**
 * Seconds before the next verification email is within the daily allowance, given when the
 * account's emails of the last 24 hours were sent (any order): 0 while fewer than the allowance.
 */
export function dailyAllowanceWaitSeconds(sentAt: readonly Date[], now: Date): number {
  const inWindow = sentAt
    .map((at) => at.getTime())
    .filter((at) => now.getTime() - at < ALLOWANCE_WINDOW_MS)
    .sort((a, b) => a - b);
  if (inWindow.length < MAX_VERIFICATION_EMAILS_PER_DAY) return 0;
  // The allowance frees up when enough of the oldest have left the window.
  const freesAt = inWindow[inWindow.length - MAX_VERIFICATION_EMAILS_PER_DAY]! + ALLOWANCE_WINDOW_MS;
  return Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000));
}
