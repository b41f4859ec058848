import type { Account } from '../../domain/account';

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
