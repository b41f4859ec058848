/**
 * Progressive protection of an account against password guessing, keyed on the normalised email
 * (known or not: the behaviour must reveal nothing). From the `threshold`-th consecutive attempt
 * without a success, each attempt opens a lock window that doubles, up to a cap: never permanent.
 */
export interface LockoutPolicy {
  threshold: number;
  baseSeconds: number;
  maxSeconds: number;
}

/** The lock opened by the `attempt`-th consecutive attempt (1-based); 0 below the threshold. */
export function lockSecondsFor(attempt: number, policy: LockoutPolicy): number {
  if (attempt < policy.threshold) return 0;
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** (attempt - policy.threshold));
}

export interface AttemptState {
  attempts: number;
  lockedUntilMs: number;
  /** The lock window whose refusals were already reported (one SuspiciousActivityDetected each). */
  reportedLockUntilMs: number;
}

export type AttemptVerdict =
  | { allowed: true; attempt: number; lockSeconds: number }
  | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

/**
 * One attempt, decided before the password is verified. The lock is opened pessimistically by the
 * attempt itself (assuming it fails; a success clears everything), so however many guesses arrive
 * at once, at most `threshold` of them reach a verification: the Zitadel/Keycloak race is closed.
 */
export function beginAttempt(
  state: AttemptState | undefined,
  nowMs: number,
  policy: LockoutPolicy,
): { state: AttemptState; verdict: AttemptVerdict } {
  const current = state ?? { attempts: 0, lockedUntilMs: 0, reportedLockUntilMs: 0 };
  if (nowMs < current.lockedUntilMs) {
    const firstRefusal = current.reportedLockUntilMs !== current.lockedUntilMs;
    return {
      state: { ...current, reportedLockUntilMs: current.lockedUntilMs },
      verdict: {
        allowed: false,
        retryAfterSeconds: Math.ceil((current.lockedUntilMs - nowMs) / 1000),
        firstRefusal,
      },
    };
  }
  const attempt = current.attempts + 1;
  const lockSeconds = lockSecondsFor(attempt, policy);
  return {
    state: { ...current, attempts: attempt, lockedUntilMs: lockSeconds > 0 ? nowMs + lockSeconds * 1000 : 0 },
    verdict: { allowed: true, attempt, lockSeconds },
  };
}

/** How long an untouched attempt record is kept: past the longest window, failures are forgotten. */
export function stateRetentionMs(policy: LockoutPolicy): number {
  return Math.max(policy.maxSeconds * 2, 24 * 60 * 60) * 1000;
}
