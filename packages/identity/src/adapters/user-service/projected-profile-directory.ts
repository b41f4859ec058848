import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '@latchkey/shared-kernel';
import { CreateOrganization } from '@latchkey/user-profile';
import {
  ClaimsProjectionStore,
  type MembershipSummary,
  type OrganizationSummary,
  ProfileDirectory,
  type ProfileSummary,
} from '../../application/ports';
import { applyProfileFact, registeredClaims } from '../../domain/claims-projection';

/**
 * Where the user service creates an organization for a sign-up (a synchronous internal call, so
 * a taken slug is a 409 at once). Bound by the auth service's composition root.
 */
export abstract class OrganizationRegistry {
  abstract create(
    input: { id: string; name: string; slug: string; ownerId: string; now: Date },
    meta: RequestMeta,
  ): Promise<OrganizationSummary>;
}

/**
 * Identity's ProfileDirectory in the auth service (docs/decisions/0012-services-deployment.md):
 * names and claims from the claims projection, in identity's own database, so login, refresh and
 * GET /auth/me never wait for the user service. A new account's row is written in registration's
 * transaction; the user service builds the profile itself from `UserRegistered`.
 */
@Injectable()
export class ProjectedProfileDirectory extends ProfileDirectory {
  constructor(
    private readonly projection: ClaimsProjectionStore,
    private readonly organizations: OrganizationRegistry,
  ) {
    super();
  }

  async create(userId: string, name: string, now: Date): Promise<void> {
    await this.projection.save({ ...registeredClaims(userId), name, lastEventId: null }, now);
  }

  async find(userId: string): Promise<ProfileSummary | undefined> {
    const user = await this.projection.find(userId);
    return user && { name: user.name, roles: user.roles };
  }

  async claimsOf(userId: string): Promise<{ roles: string[]; memberships: MembershipSummary[] } | undefined> {
    const user = await this.projection.find(userId);
    return user && { roles: user.roles, memberships: user.memberships.map(summary) };
  }

  validateSlug(slug: string): void {
    CreateOrganization.validate(slug);
  }

  async createOrganization(
    input: { id: string; name: string; slug: string; ownerId: string; now: Date },
    meta: RequestMeta,
  ): Promise<OrganizationSummary> {
    const organization = await this.organizations.create(input, meta);
    // The owner's membership is in the token sign-up mints, before the user service's event.
    const owner = await this.projection.lock(input.ownerId);
    const claims = applyProfileFact(owner, {
      kind: 'membership_changed',
      userId: input.ownerId,
      organizationId: organization.id,
      change: 'added',
      role: 'ORGANIZATION_OWNER',
      at: input.now,
    });
    if (claims)
      await this.projection.save(
        { ...claims, name: owner?.name ?? '', lastEventId: owner?.lastEventId ?? null },
        input.now,
      );
    return organization;
  }

  async membershipsOf(userId: string): Promise<MembershipSummary[]> {
    return ((await this.projection.find(userId))?.memberships ?? []).map(summary);
  }
}

const summary = ({ organizationId, role }: { organizationId: string; role: string }): MembershipSummary => ({
  organizationId,
  role,
});
