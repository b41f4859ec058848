import { Injectable } from '@nestjs/common';
import { Database, TtlMap } from '@latchkey/platform';
import { Clock } from '@latchkey/shared-kernel';
import { UserViewCache } from '../../application/ports';
import type { UserPublic } from '../../application/user-public';

/** Five seconds, like the session check's cache: the same staleness across instances. */
@Injectable()
export class TtlUserViewCache extends UserViewCache {
  private readonly views = new TtlMap<UserPublic>(5_000, 100_000);

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {
    super();
  }

  through(userId: string, load: () => Promise<UserPublic>): Promise<UserPublic> {
    return this.views.through(userId, this.clock.now().getTime(), load);
  }

  forget(userId: string): void {
    // Dropped before the commit, a concurrent GET /auth/me could cache the old row again.
    this.database.afterCommit(() => this.views.delete([userId]));
  }
}
