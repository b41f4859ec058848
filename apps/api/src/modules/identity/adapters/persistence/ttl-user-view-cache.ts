import { Injectable } from '@nestjs/common';
import { TtlMap } from '../../../../platform/cache/ttl-map';
import { Database } from '../../../../platform/database/database';
import { Clock } from '../../../../shared-kernel/clock';
import { type UserPublic, UserViewCache } from '../../application/user-public';

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

  async through(userId: string, load: () => Promise<UserPublic>): Promise<UserPublic> {
    const cached = this.views.get(userId, this.clock.now().getTime());
    if (cached) return cached;
    const fence = this.views.fence();
    const view = await load();
    this.views.set(userId, view, this.clock.now().getTime(), fence);
    return view;
  }

  forget(userId: string): void {
    // Dropped before the commit, a concurrent GET /auth/me could cache the old row again.
    this.database.afterCommit(() => this.views.delete([userId]));
  }
}
