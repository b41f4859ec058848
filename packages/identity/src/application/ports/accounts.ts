import type { Account } from '../../domain/account';
import type { UserPublic } from '../user-public';

export abstract class AccountRepository {
  /** Throws EmailAlreadyRegistered when a live account has the address (decided by a unique index). */
  abstract create(account: Account): Promise<void>;
  abstract findByEmail(email: string): Promise<Account | undefined>;
  abstract findById(id: string): Promise<Account | undefined>;
  /** The accounts among `ids` that exist, in no particular order. */
  abstract findMany(ids: string[]): Promise<Account[]>;
  abstract updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void>;
  /** Marks the address verified if it still is the account's address; false when it is not. */
  abstract markEmailVerified(id: string, email: string, now: Date): Promise<boolean>;
  /** Live accounts in id (creation) order after `afterId`; `email` narrows to that address. */
  abstract page(query: { afterId?: string; limit: number; email?: string }): Promise<Account[]>;
  /** Deletes the account row; its sessions, tokens and emailed secrets go with it (cascade). */
  abstract delete(id: string): Promise<void>;
}

/**
 * The user's own view (GET /v1/auth/me) kept for a few seconds, so that endpoint is not two queries
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
