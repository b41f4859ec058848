import type { RequestMeta } from '@latchkey/shared-kernel';

export interface ProfileSummary {
  name: string;
  roles: string[];
}

export interface OrganizationSummary {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
}

export interface MembershipSummary {
  organizationId: string;
  role: string;
}

export abstract class ProfileDirectory {
  abstract create(userId: string, name: string, now: Date): Promise<void>;
  abstract find(userId: string): Promise<ProfileSummary | undefined>;
  /** Roles and memberships (oldest first) for an access token, in one read; undefined: no profile. */
  abstract claimsOf(
    userId: string,
  ): Promise<{ roles: string[]; memberships: MembershipSummary[] } | undefined>;
  /** Format and reserved words only; throws VALIDATION_FAILED (the taken check is at create). */
  abstract validateSlug(slug: string): void;
  /** The organization and its owner membership, in the current transaction. */
  abstract createOrganization(
    input: { id: string; name: string; slug: string; ownerId: string; now: Date },
    meta: RequestMeta,
  ): Promise<OrganizationSummary>;
  /** Oldest first. */
  abstract membershipsOf(userId: string): Promise<MembershipSummary[]>;
}
