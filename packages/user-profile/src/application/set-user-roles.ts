import { Injectable } from '@nestjs/common';
import { Clock, type Principal, type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { AdminRequired, LastAdmin, UserNotFound } from '../domain/errors';
import { type GlobalRole, isAdmin, leavesAnAdmin, normalizeRoles } from '../domain/profile';
import { ActorAccess } from './actor-access';
import { GetUser } from './get-user';
import { ProfileAuditTrail, ProfileRepository } from './ports';
import type { UserView } from './user-view';

/** Admins set a user's global roles (`user` is always kept). There is always an admin left. */
@Injectable()
export class SetUserRoles {
  constructor(
    private readonly access: ActorAccess,
    private readonly profiles: ProfileRepository,
    private readonly users: GetUser,
    private readonly audit: ProfileAuditTrail,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(
    principal: Principal,
    userId: string,
    requested: GlobalRole[],
    meta: RequestMeta,
  ): Promise<UserView> {
    const actor = await this.access.admin(principal, 'users:roles:write');
    await this.apply(userId, requested, actor.userId, meta);
    return this.users.view(userId);
  }

  /** Also the CLI's way in (`actorId` null: an operator). Joins the caller's transaction. */
  apply(userId: string, requested: GlobalRole[], actorId: string | null, meta: RequestMeta): Promise<void> {
    const roles = normalizeRoles(requested);
    return this.unitOfWork.run(async () => {
      // Two admins demoting each other at once queue here; the second sees the first's change.
      const admins = await this.profiles.lockAdmins();
      // Re-checked under the lock: an admin demoted a moment ago acts no more.
      if (actorId !== null && !admins.includes(actorId)) throw new AdminRequired();
      const current = await this.profiles.findByUserId(userId);
      if (!current) throw new UserNotFound();
      if (admins.includes(userId) && !isAdmin(roles) && !leavesAnAdmin(admins, userId)) throw new LastAdmin();
      const before = normalizeRoles(current.roles);
      if (before.join() === roles.join()) return;
      await this.profiles.setRoles(userId, roles, this.clock.now());
      await this.audit.record({
        type: 'UserRoleChanged',
        userId,
        actorId,
        meta,
        data: { from: before, to: roles },
      });
    });
  }
}
