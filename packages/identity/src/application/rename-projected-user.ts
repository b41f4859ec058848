import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { ClaimsProjectionStore, UserViewCache } from './ports';

/**
 * The user service renamed a user (the services deployment): the name GET /auth/me shows, kept
 * in the claims projection, follows at once. A user the projection does not hold is left alone.
 */
@Injectable()
export class RenameProjectedUser {
  constructor(
    private readonly projection: ClaimsProjectionStore,
    private readonly views: UserViewCache,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  execute(userId: string, name: string): Promise<void> {
    return this.unitOfWork.run(async () => {
      const current = await this.projection.lock(userId);
      if (!current) return;
      await this.projection.save({ ...current, name }, this.clock.now());
      this.views.forget(userId);
    });
  }
}
