import { Injectable } from '@nestjs/common';
import type { Principal } from '@latchkey/shared-kernel';
import { OrganizationNotFound, OrganizationRoleRequired } from '../domain/errors';
import { type Membership, mayManageMembers } from '../domain/organization';
import { OrganizationRepository } from './ports';

/**
 * Membership is read from the database at each request (not from the token's org claims). A
 * non-member is told the organization does not exist.
 */
@Injectable()
export class OrganizationAccess {
  constructor(private readonly organizations: OrganizationRepository) {}

  async member(principal: Principal, organizationId: string): Promise<Membership> {
    const membership = await this.organizations.membership(organizationId, principal.userId);
    if (!membership) throw new OrganizationNotFound();
    return membership;
  }

  async manager(principal: Principal, organizationId: string): Promise<Membership> {
    const membership = await this.member(principal, organizationId);
    if (!mayManageMembers(membership.role)) throw new OrganizationRoleRequired();
    return membership;
  }
}
