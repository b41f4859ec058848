import { Injectable } from '@nestjs/common';
import { type Principal, type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { LastAdmin, SoleOwnerOfOrganizations, UserNotFound } from '../domain/errors';
import { ownerDeparture } from '../domain/organization';
import { leavesAnAdmin } from '../domain/profile';
import { ActorAccess } from './actor-access';
import { AccountDirectory, OrganizationRepository, ProfileAuditTrail, ProfileRepository } from './ports';

/**
 * The user (or an admin) deletes the account: in one transaction, sessions end, the account and
 * profile and their personal data are erased, and the audit trail keeps only the user id. The
 * email address is free to register again. No organization is left without an owner: see
 * `ownerDeparture` (refused while one the user alone owns has other members).
 */
@Injectable()
export class DeleteUser {
  constructor(
    private readonly access: ActorAccess,
    private readonly profiles: ProfileRepository,
    private readonly accounts: AccountDirectory,
    private readonly organizations: OrganizationRepository,
    private readonly audit: ProfileAuditTrail,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(principal: Principal, userId: string, meta: RequestMeta): Promise<void> {
    const actor = await this.access.selfOrAdmin(principal, userId, 'users:delete');
    await this.unitOfWork.run(async () => {
      const admins = await this.profiles.lockAdmins();
      if (!(await this.profiles.findByUserId(userId))) throw new UserNotFound();
      if (admins.includes(userId) && !leavesAnAdmin(admins, userId)) throw new LastAdmin();
      const goneWithOwner = await this.organizationsLeftBy(userId);
      await this.accounts.erase(userId, meta);
      await this.profiles.delete(userId);
      await this.organizations.removeUserEverywhere(userId);
      for (const organizationId of goneWithOwner) {
        await this.organizations.delete(organizationId);
        await this.audit.record({
          type: 'OrganizationDeleted',
          userId,
          actorId: actor.userId === userId ? null : actor.userId,
          meta: { ip: null, userAgent: null, requestId: meta.requestId },
          data: { organizationId, reason: 'last_member_deleted' },
        });
      }
      await this.audit.record({
        type: 'UserDeleted',
        userId,
        actorId: actor.userId === userId ? null : actor.userId,
        // The request's ip and user agent are the deleted user's personal data, too.
        meta: { ip: null, userAgent: null, requestId: meta.requestId },
      });
    });
  }

  /**
   * The organizations that go with the user (nobody else in them). Refuses when one the user alone
   * owns has other members. Owners are locked organization by organization, in id order so that
   * two deletions never wait on each other crosswise: two co-owners deleting themselves at once
   * queue here, and the second finds itself the last owner.
   */
  private async organizationsLeftBy(userId: string): Promise<string[]> {
    const owned = (await this.organizations.membershipsOf(userId))
      .filter((membership) => membership.role === 'ORGANIZATION_OWNER')
      .map((membership) => membership.organizationId)
      .sort();
    const goneWithOwner: string[] = [];
    const refused: { id: string; slug: string }[] = [];
    for (const organizationId of owned) {
      const owners = await this.organizations.lockOwners(organizationId);
      const memberCount = (await this.organizations.members(organizationId)).length;
      const departure = ownerDeparture(userId, owners, memberCount);
      if (departure === 'deleted-with-owner') goneWithOwner.push(organizationId);
      if (departure === 'refused') {
        const organization = await this.organizations.find(organizationId);
        refused.push({ id: organizationId, slug: organization?.slug ?? '' });
      }
    }
    if (refused.length > 0) throw new SoleOwnerOfOrganizations(refused);
    return goneWithOwner;
  }
}
