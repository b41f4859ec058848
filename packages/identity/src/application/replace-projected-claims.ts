import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { alreadyReflects } from '../domain/claims-projection';
import { ClaimsProjectionStore, UserViewCache } from './ports';

/** A user's claims as the user service holds them once a change has committed. */
export interface PushedClaims {
  userId: string;
  /** The newest event of the change (UUIDv7): what the state reflects. */
  version: string;
  /** The user no longer has a profile (deleted): no token can be minted for them. */
  deleted: boolean;
  roles: string[];
  /** Oldest first. */
  memberships: { organizationId: string; role: string; since: Date }[];
}

/**
 * The user service pushes a user's claims right after a change to them commits (the services
 * deployment), so the next login or refresh mints them, as in the monolith. A state no newer than
 * the row's is ignored (an event already brought it, or a newer one); the events that follow
 * remain the backstop for a push that was lost.
 */
@Injectable()
export class ReplaceProjectedClaims {
  constructor(
    private readonly projection: ClaimsProjectionStore,
    private readonly views: UserViewCache,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  execute(states: readonly PushedClaims[]): Promise<void> {
    return this.unitOfWork.run(async () => {
      for (const state of states) {
        const current = await this.projection.lock(state.userId);
        if (alreadyReflects(current?.lastEventId, state.version)) continue;
        this.views.forget(state.userId);
        if (state.deleted) {
          if (current) await this.projection.remove(state.userId);
          continue;
        }
        await this.projection.save(
          {
            userId: state.userId,
            name: current?.name ?? '',
            roles: [...state.roles],
            memberships: state.memberships.map((membership) => ({ ...membership })),
            lastEventId: state.version,
          },
          this.clock.now(),
        );
      }
    });
  }
}
