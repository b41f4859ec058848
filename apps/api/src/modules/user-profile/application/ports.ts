import type { RequestMeta } from '../../../shared-kernel/principal';
import type { GlobalRole, Profile } from '../domain/profile';

export abstract class ProfileRepository {
  abstract create(profile: Profile): Promise<void>;
  abstract findByUserId(userId: string): Promise<Profile | undefined>;
  abstract findMany(userIds: string[]): Promise<Profile[]>;
  abstract updateName(userId: string, name: string, now: Date): Promise<void>;
  abstract setRoles(userId: string, roles: GlobalRole[], now: Date): Promise<void>;
  /** The admins' ids, their rows locked until the transaction ends (the last-admin rule). */
  abstract lockAdmins(): Promise<string[]>;
  abstract delete(userId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// What this module needs from the identity module. Declared here, implemented there: identity
// depends on user-profile, never the other way round.
// ---------------------------------------------------------------------------------------------

/** The account side of a user: its login identifier and whether it is verified. */
export interface AccountView {
  id: string;
  email: string;
  emailVerified: boolean;
  createdAt: Date;
}

export abstract class AccountDirectory {
  abstract find(userId: string): Promise<AccountView | undefined>;
  abstract findByEmail(email: string): Promise<AccountView | undefined>;
  /** Live accounts in creation order after `afterId`, optionally only the one with `email`. */
  abstract page(query: { afterId?: string; limit: number; email?: string }): Promise<AccountView[]>;
  /**
   * Erases the account in the current transaction: sessions revoked (their tokens refused at
   * once), credentials and emailed secrets deleted, personal data in the audit trail redacted.
   */
  abstract erase(userId: string, meta: RequestMeta): Promise<void>;
}

export type ProfileEventType = 'UserProfileUpdated' | 'UserRoleChanged' | 'UserDeleted';

/** The audit trail, kept by the identity module, in the current transaction. */
export abstract class ProfileAuditTrail {
  abstract record(event: {
    type: ProfileEventType;
    userId: string;
    actorId: string | null;
    meta: RequestMeta;
    data?: Record<string, unknown>;
  }): Promise<void>;
}
