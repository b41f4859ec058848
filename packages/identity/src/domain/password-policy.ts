import type { ErrorDetail } from '@latchkey/contracts';
import { localPartOf } from './email';
import { PasswordRejected } from './errors';

export const PASSWORD_MAX_LENGTH = 256;
/** Shorter local parts ("al", "jo") would forbid far too many good passwords. */
const MIN_LOCAL_PART_TO_CHECK = 3;

/**
 * One canonical form per password, so the same passphrase typed on two keyboards (composed or
 * decomposed accents, full-width digits) hashes and verifies the same. NIST SP 800-63B-4 §3.1.1.2.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length in Unicode code points, as NIST counts characters (not UTF-16 code units). */
export function passwordLength(password: string): number {
  return [...normalizePassword(password)].length;
}

export interface PasswordBlocklistLookup {
  has(normalizedLowerCasePassword: string): boolean;
}

/**
 * NIST SP 800-63B-4: a minimum length (15 for single-factor), a generous maximum, any Unicode,
 * no composition rules, and refusal of common or context-specific passwords. Each failure says
 * which rule failed.
 */
export class PasswordPolicy {
  constructor(
    readonly minLength: number,
    private readonly blocklist: PasswordBlocklistLookup,
  ) {}

  /** Throws PasswordRejected naming every rule `password` breaks (see `violations`). */
  assertAcceptable(password: string, email: string, field = 'password'): void {
    const violations = this.violations(password, email, field);
    if (violations.length > 0) throw new PasswordRejected(violations);
  }

  /** Cheap checks that must pass before any hashing (long inputs are refused without work). */
  violations(password: string, email: string, field = 'password'): ErrorDetail[] {
    const normalized = normalizePassword(password);
    const length = [...normalized].length;
    if (length > PASSWORD_MAX_LENGTH) {
      return [{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` }];
    }
    const problems: ErrorDetail[] = [];
    if (length < this.minLength)
      problems.push({ field, message: `must be at least ${this.minLength} characters` });
    const lower = normalized.toLowerCase();
    if (this.blocklist.has(lower)) {
      problems.push({ field, message: 'is too common: it appears in a list of frequently used passwords' });
    }
    const localPart = localPartOf(email).normalize('NFKC').toLowerCase();
    if (localPart.length >= MIN_LOCAL_PART_TO_CHECK && lower.includes(localPart)) {
      problems.push({ field, message: 'must not contain your email address' });
    }
    return problems;
  }
}
