/**
 * Progressive protection of an account against password guessing, keyed on the normalised email
 * (known or not: the behaviour must reveal nothing) and on the client address. From the
 * `threshold`-th consecutive attempt without a success, each attempt opens a lock window that
 * doubles, up to a cap: never permanent.
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

/** The count of one client address against one account. */
export interface AddressAttemptState extends AttemptState {
  lastAttemptMs: number;
}

export type AttemptVerdict =
  | { allowed: true; attempt: number; lockSeconds: number }
  | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

const noAttempts = { attempts: 0, lockedUntilMs: 0, reportedLockUntilMs: 0 };

/** A refusal while `state`'s window is open (reported once per window), to be retried at `untilMs`. */
function refusal<S extends AttemptState>(
  state: S,
  untilMs: number,
  nowMs: number,
): { state: S; verdict: AttemptVerdict } {
  return {
    state: { ...state, reportedLockUntilMs: state.lockedUntilMs },
    verdict: {
      allowed: false,
      retryAfterSeconds: Math.ceil((untilMs - nowMs) / 1000),
      firstRefusal: state.reportedLockUntilMs !== state.lockedUntilMs,
    },
  };
}

/**
 * One attempt, decided before the password is verified, counted twice: for the client address
 * against this account, and for the account over all addresses. Locks are opened pessimistically
 * by the attempt itself (assuming it fails; a success clears them), so however many guesses
 * arrive at once, at most `threshold` of them from one address reach a verification: the
 * Zitadel/Keycloak race is closed.
 *
 * An address's own lock refuses it outright. The account-wide lock only slows guessing down:
 * while it is open, each address gets one attempt per window length (which doubles with every
 * attempt, up to the cap). So an attacker spreading guesses over many addresses can no longer
 * keep the owner out: the owner's address, which has not tried that recently, gets its attempt
 * at once, and if the owner just spent it, the wait is one window (the cap) at most.
 */
export function beginAttempt(
  states: { account: AttemptState | undefined; address: AddressAttemptState | undefined },
  nowMs: number,
  policy: LockoutPolicy,
): { account: AttemptState; address: AddressAttemptState; verdict: AttemptVerdict } {
  const account = states.account ?? noAttempts;
  const address = states.address ?? { ...noAttempts, lastAttemptMs: 0 };
  if (nowMs < address.lockedUntilMs) {
    const refused = refusal(address, address.lockedUntilMs, nowMs);
    return { account, address: refused.state, verdict: refused.verdict };
  }
  const nextTurnMs = address.lastAttemptMs + lockSecondsFor(account.attempts, policy) * 1000;
  if (nowMs < account.lockedUntilMs && nowMs < nextTurnMs) {
    const refused = refusal(account, Math.min(account.lockedUntilMs, nextTurnMs), nowMs);
    return { account: refused.state, address, verdict: refused.verdict };
  }
  const attempt = account.attempts + 1;
  const lockSeconds = lockSecondsFor(attempt, policy);
  const addressAttempt = address.attempts + 1;
  const addressLockSeconds = lockSecondsFor(addressAttempt, policy);
  return {
    account: {
      ...account,
      attempts: attempt,
      lockedUntilMs: lockSeconds > 0 ? nowMs + lockSeconds * 1000 : 0,
    },
    address: {
      ...address,
      attempts: addressAttempt,
      lockedUntilMs: addressLockSeconds > 0 ? nowMs + addressLockSeconds * 1000 : 0,
      lastAttemptMs: nowMs,
    },
    verdict: { allowed: true, attempt, lockSeconds },
  };
}

/** How long an untouched attempt record is kept: past the longest window, failures are forgotten. */
export function stateRetentionMs(policy: LockoutPolicy): number {
  return Math.max(policy.maxSeconds * 2, 24 * 60 * 60) * 1000;
}
