import { Injectable } from '@nestjs/common';
import type { Principal, RequestMeta } from '../../../shared-kernel/principal';
import { UnitOfWork } from '../../../shared-kernel/unit-of-work';
import { LastAdmin, UserNotFound } from '../domain/errors';
import { leavesAnAdmin } from '../domain/profile';
import { ActorAccess } from './actor-access';
import { AccountDirectory, OrganizationRepository, ProfileAuditTrail, ProfileRepository } from './ports';

/**
 * The user (or an admin) deletes the account: in one transaction, sessions end, the account and
 * profile and their personal data are erased, and the audit trail keeps only the user id. The
 * email address is free to register again.
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
    const actor = await this.access.selfOrAdmin(principal, userId);
    await this.unitOfWork.run(async () => {
      const admins = await this.profiles.lockAdmins();
      if (!(await this.profiles.findByUserId(userId))) throw new UserNotFound();
      if (admins.includes(userId) && !leavesAnAdmin(admins, userId)) throw new LastAdmin();
      await this.accounts.erase(userId, meta);
      await this.profiles.delete(userId);
      await this.organizations.removeUserEverywhere(userId);
      await this.audit.record({
        type: 'UserDeleted',
        userId,
        actorId: actor.userId === userId ? null : actor.userId,
        // The request's ip and user agent are the deleted user's personal data, too.
        meta: { ip: null, userAgent: null, requestId: meta.requestId },
      });
    });
  }
}
