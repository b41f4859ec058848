import { Injectable } from '@nestjs/common';
import type { Principal } from '@latchkey/shared-kernel';
import type { OrganizationRole } from '../domain/organization';
import { OrganizationRepository } from './ports';

export interface OwnOrganizationView {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
  role: OrganizationRole;
  joinedAt: string;
}

/** The caller's organizations and role in each, oldest membership first (`GET /organizations`). */
@Injectable()
export class ListOwnOrganizations {
  constructor(private readonly organizations: OrganizationRepository) {}

  async execute(principal: Principal): Promise<OwnOrganizationView[]> {
    const rows = await this.organizations.organizationsOf(principal.userId);
    return rows.map(({ organization, membership }) => ({
      id: organization.id,
      name: organization.name,
      slug: organization.slug,
      createdAt: organization.createdAt.toISOString(),
      role: membership.role,
      joinedAt: membership.createdAt.toISOString(),
    }));
  }
}
