import type { ProfileSummary } from './ports';
import type { Account } from '../domain/account';

/** The user as this API shows it to the user themself. */
export interface UserPublic {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  emailVerified: boolean;
}

export function toUserPublic(account: Account, profile: ProfileSummary): UserPublic {
  return {
    id: account.id,
    email: account.email,
    name: profile.name,
    createdAt: account.createdAt.toISOString(),
    emailVerified: account.emailVerifiedAt !== null,
  };
}

/**
 * The user's own view (GET /auth/me) kept for a few seconds, so that endpoint is not two queries
 * per request. Changes made in this process drop the entry when they commit; another instance's
 * show within the TTL, as its revocations do in the session check.
 */
export abstract class UserViewCache {
  /**
   * The cached view, or `load`'s, which is remembered unless a `forget` took effect while it
   * loaded (the load may have read the row before that change). `load`'s errors pass through,
   * and nothing is remembered.
   */
  abstract through(userId: string, load: () => Promise<UserPublic>): Promise<UserPublic>;
  /** Drops the entry once the current transaction commits (at once outside one); never on rollback. */
  abstract forget(userId: string): void;
}
