import { Injectable } from '@nestjs/common';
import { Clock, type Principal, type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { UserNotFound } from '../domain/errors';
import { ActorAccess } from './actor-access';
import { GetUser } from './get-user';
import { ProfileAuditTrail, ProfileRepository } from './ports';
import type { UserView } from './user-view';

/** The user (or an admin) changes the profile's name; the other fields have their own routes. */
@Injectable()
export class UpdateUser {
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
    change: { name: string },
    meta: RequestMeta,
  ): Promise<UserView> {
    const actor = await this.access.selfOrAdmin(principal, userId, 'users:write');
    const name = change.name.trim();
    await this.unitOfWork.run(async () => {
      if (!(await this.profiles.findByUserId(userId))) throw new UserNotFound();
      await this.profiles.updateName(userId, name, this.clock.now());
      await this.audit.record({
        type: 'UserProfileUpdated',
        userId,
        actorId: actor.userId,
        meta,
        // The new name is recorded like registration's (the audit trail keeps it until the user
        // is erased); the public event names the field only.
        data: { fields: ['name'], name },
      });
    });
    return this.users.view(userId);
  }
}
