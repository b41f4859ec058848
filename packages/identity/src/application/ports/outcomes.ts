/** How a login attempt that reached the use case ended (rate-limited ones never do). */
export type LoginOutcome = 'success' | 'invalid_credentials' | 'locked';

/** How a refresh ended: `invalid` is a token this server does not know or cannot honour. */
export type RefreshOutcome =
  'rotated' | 'grace_replay' | 'reuse_detected' | 'expired' | 'revoked' | 'invalid';

/**
 * What the use cases report for operators as they decide, through a port so the counting stays
 * out of the rules (a "domain probe", M. Fowler's Domain-Oriented Observability): outcomes only
 * the use case knows, such as a grace-window replay answering 200 like a rotation, or a login
 * refused because the address is locked answering 401 like a wrong password.
 */
export abstract class IdentityProbe {
  abstract loginAttempted(outcome: LoginOutcome): void;
  /** A failed login that locked its address (LOGIN_LOCKOUT_*). */
  abstract accountLocked(): void;
  abstract refreshed(outcome: RefreshOutcome): void;
  abstract registered(): void;
}
