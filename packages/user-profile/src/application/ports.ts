import type { RequestMeta } from '@latchkey/shared-kernel';
import type { Membership, Organization, OrganizationRole } from '../domain/organization';
import type { GlobalRole, Profile } from '../domain/profile';

/** What an access token carries about its user: global roles and memberships, oldest first. */
export interface AccessClaims {
  roles: GlobalRole[];
  memberships: Pick<Membership, 'organizationId' | 'role'>[];
}

export abstract class ProfileRepository {
  abstract create(profile: Profile): Promise<void>;
  /**
   * Creates the profile unless the user has one or was deleted; false when it existed (a
   * redelivered event) or the user is gone (an event that arrived after the deletion).
   */
  abstract createIfAbsent(profile: Profile): Promise<boolean>;
  abstract findByUserId(userId: string): Promise<Profile | undefined>;
  /** The profile's roles and the user's memberships in one read (every token minted). */
  abstract findAccessClaims(userId: string): Promise<AccessClaims | undefined>;
  abstract findMany(userIds: string[]): Promise<Profile[]>;
  abstract updateName(userId: string, name: string, now: Date): Promise<void>;
  abstract setRoles(userId: string, roles: GlobalRole[], now: Date): Promise<void>;
  /** The admins' ids, their rows locked until the transaction ends (the last-admin rule). */
  abstract lockAdmins(): Promise<string[]>;
  /** The profile goes, and it is never created again for this id (createIfAbsent). */
  abstract delete(userId: string): Promise<void>;
}

/**
 * Organizations and memberships. Reads and writes of one organization's rows run in its tenant
 * scope (PostgreSQL row-level security keyed on `app.current_org_id`, under a role the policies
 * bind), so a query that forgot its organization sees nothing rather than everything.
 */
export abstract class OrganizationRepository {
  /** Throws SlugUnavailable when the slug is taken (decided by a unique index). */
  abstract create(organization: Organization): Promise<void>;
  abstract find(organizationId: string): Promise<Organization | undefined>;
  /** Across tenants: slugs are unique globally. */
  abstract slugTaken(slug: string): Promise<boolean>;
  /** Throws AlreadyMember when the user is one. */
  abstract addMember(membership: Membership): Promise<void>;
  abstract membership(organizationId: string, userId: string): Promise<Membership | undefined>;
  abstract members(organizationId: string): Promise<Membership[]>;
  /** The owners' ids, their rows locked until the transaction ends (the last-owner rule). */
  abstract lockOwners(organizationId: string): Promise<string[]>;
  abstract removeMember(organizationId: string, userId: string): Promise<void>;
  abstract setMemberRole(organizationId: string, userId: string, role: OrganizationRole): Promise<void>;
  /** The organization and, by cascade, its memberships. */
  abstract delete(organizationId: string): Promise<void>;
  /** Across tenants, oldest first: the user's own memberships (tokens, switching). */
  abstract membershipsOf(userId: string): Promise<Membership[]>;
  /** Across tenants, oldest membership first: the user's organizations with the user's role. */
  abstract organizationsOf(userId: string): Promise<{ organization: Organization; membership: Membership }[]>;
  /** Across tenants: a deleted user leaves every organization. */
  abstract removeUserEverywhere(userId: string): Promise<void>;
  /**
   * Across tenants, in id order after `afterId`: organizations made between `from` and `to` whose
   * one member is their owner (what sign-up makes), with that owner.
   */
  abstract soleOwnedMadeBetween(
    from: Date,
    to: Date,
    afterId: string | undefined,
    limit: number,
  ): Promise<{ organizationId: string; ownerId: string }[]>;
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
  /** The live accounts among `userIds`, in no particular order: one read for a list of members. */
  abstract findMany(userIds: string[]): Promise<AccountView[]>;
  abstract findByEmail(email: string): Promise<AccountView | undefined>;
  /** Live accounts in creation order after `afterId`, optionally only the one with `email`. */
  abstract page(query: { afterId?: string; limit: number; email?: string }): Promise<AccountView[]>;
  /**
   * Erases the account in the current transaction: sessions revoked (their tokens refused at
   * once), credentials and emailed secrets deleted, personal data in the audit trail redacted.
   */
  abstract erase(userId: string, meta: RequestMeta): Promise<void>;
}

/**
 * Where the profile of a registered account comes from when this module is hosted apart from
 * identity (the user service): the name the account registered with. Registration writes the
 * profile in its own transaction in the monolith, so there this port is not bound.
 */
export abstract class RegistrationSource {
  abstract registrationOf(userId: string): Promise<{ name: string; registeredAt: Date } | undefined>;
}

/** What the audit trail records of profiles and memberships. */
export const PROFILE_EVENT_TYPES = [
  'UserProfileUpdated',
  'UserRoleChanged',
  'UserDeleted',
  'OrganizationCreated',
  'OrganizationDeleted',
  'MemberAdded',
  'MemberRoleChanged',
  'MemberRemoved',
] as const;
export type ProfileEventType = (typeof PROFILE_EVENT_TYPES)[number];

/** A change to a profile or a membership, as the audit trail records it. */
export interface ProfileAuditEvent {
  type: ProfileEventType;
  userId: string;
  actorId: string | null;
  meta: RequestMeta;
  data?: Record<string, unknown>;
}

/** The audit trail, kept by the identity module, in the current transaction. */
export abstract class ProfileAuditTrail {
  abstract record(event: ProfileAuditEvent): Promise<void>;
}
