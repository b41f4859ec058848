import { Injectable } from '@nestjs/common';
import type { Membership } from '../domain/organization';
import { OrganizationRepository } from './ports';

/** The user's memberships across organizations, oldest first: what access tokens carry. */
@Injectable()
export class MembershipsOfUser {
  constructor(private readonly organizations: OrganizationRepository) {}

  execute(userId: string): Promise<Membership[]> {
    return this.organizations.membershipsOf(userId);
  }
}
