import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '@latchkey/shared-kernel';
import {
  AccessClaimsOfUser,
  CreateOrganization,
  CreateProfile,
  GetProfile,
  MembershipsOfUser,
} from '@latchkey/user-profile';
import {
  type MembershipSummary,
  type OrganizationSummary,
  ProfileDirectory,
  type ProfileSummary,
} from '../../application/ports';

/** Identity's view of the user-profile module, through that module's public use cases only. */
@Injectable()
export class UserProfileDirectory extends ProfileDirectory {
  constructor(
    private readonly createProfile: CreateProfile,
    private readonly getProfile: GetProfile,
    private readonly createOrganizationUseCase: CreateOrganization,
    private readonly memberships: MembershipsOfUser,
    private readonly accessClaims: AccessClaimsOfUser,
  ) {
    super();
  }

  async create(userId: string, name: string, now: Date): Promise<void> {
    await this.createProfile.execute({ userId, name, now });
  }

  async find(userId: string): Promise<ProfileSummary | undefined> {
    const profile = await this.getProfile.execute(userId);
    return profile && { name: profile.name, roles: profile.roles };
  }

  claimsOf(userId: string): Promise<{ roles: string[]; memberships: MembershipSummary[] } | undefined> {
    return this.accessClaims.execute(userId);
  }

  validateSlug(slug: string): void {
    CreateOrganization.validate(slug);
  }

  createOrganization(
    input: { id: string; name: string; slug: string; ownerId: string; now: Date },
    meta: RequestMeta,
  ): Promise<OrganizationSummary> {
    return this.createOrganizationUseCase.execute(input, meta);
  }

  async membershipsOf(userId: string): Promise<MembershipSummary[]> {
    return (await this.memberships.execute(userId)).map(({ organizationId, role }) => ({
      organizationId,
      role,
    }));
  }
}
