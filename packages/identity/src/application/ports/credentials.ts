import type { AttemptVerdict } from '../../domain/login-protection';

/**
 * Counts login attempts per normalised email and per client address against it (see
 * domain/login-protection.ts), atomically, across every instance sharing the store.
 */
export abstract class LoginAttemptGate {
  /** Counts this attempt before any verification and says whether it may proceed. */
  abstract begin(email: string, address: string | null, now: Date): Promise<AttemptVerdict>;
  /** The password was right: the account's count and this address's start over. */
  abstract succeeded(email: string, address: string | null): Promise<void>;
  /**
   * The owner proved control of the mailbox (a password reset, an email verification): every
   * address's count against the account ends with the account's own.
   */
  abstract release(email: string): Promise<void>;
}

export abstract class PasswordHasher {
  abstract hash(plain: string): Promise<string>;
  /** `needsRehash`: the stored hash used weaker parameters than today's; rehash after login. */
  abstract verify(hash: string, plain: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  /** Spends one verification's worth of time on nothing, so unknown accounts take as long as known ones. */
  abstract verifyDummy(plain: string): Promise<void>;
}

export abstract class PasswordBlocklist {
  abstract has(normalizedLowerCasePassword: string): boolean;
}
