import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { alreadyReflects, applyProfileFact, type ProfileFact } from '../domain/claims-projection';
import { ClaimsProjectionStore, UserViewCache } from './ports';

/**
 * Keeps the claims projection in step with user-profile's events (the services deployment): each
 * fact applied to the user's locked row, in the transaction the event consumer opens (and records
 * the event id in), so a redelivered event changes nothing twice. A row that already reflects a
 * newer event (a state the user service pushed after a later change) is left as it is: a late
 * delivery cannot undo a newer state.
 */
@Injectable()
export class ProjectProfileFacts {
  constructor(
    private readonly projection: ClaimsProjectionStore,
    private readonly views: UserViewCache,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** The facts of one event, `eventId` (UUIDv7, so later events sort after it). */
  execute(facts: readonly ProfileFact[], eventId: string): Promise<void> {
    return this.unitOfWork.run(async () => {
      for (const fact of facts) {
        // An organization's deletion reaches every member, whoever the event is about.
        const userIds =
          fact.kind === 'organization_deleted'
            ? await this.projection.lockMembersOf(fact.organizationId)
            : [fact.userId];
        for (const userId of userIds) await this.apply(userId, { ...fact, userId }, eventId);
      }
    });
  }

  private async apply(userId: string, fact: ProfileFact, eventId: string): Promise<void> {
    const current = await this.projection.lock(userId);
    if (alreadyReflects(current?.lastEventId, eventId)) return;
    const next = applyProfileFact(current, fact);
    // GET /auth/me shows the cached view of the user: forgotten with the change.
    this.views.forget(userId);
    if (next === undefined) {
      if (current) await this.projection.remove(userId);
      return;
    }
    // A user the projection has never seen (registered before it existed) keeps no name yet.
    await this.projection.save(
      { ...next, name: current?.name ?? '', lastEventId: eventId },
      this.clock.now(),
    );
  }
}
