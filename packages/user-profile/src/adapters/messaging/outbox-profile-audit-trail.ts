import { UuidV7 } from '@latchkey/platform';
import { EventOutbox, outgoingEvent } from '@latchkey/platform-messaging';
import { Clock } from '@latchkey/shared-kernel';
import { type ProfileAuditEvent, ProfileAuditTrail, type ProfileEventType } from '../../application/ports';
import { publishedProfileEvents } from './published-profile-events';

/**
 * The user service's ProfileAuditTrail: with no identity audit trail in the process, each change
 * is written to this service's own event outbox as the public events it maps to, in the change's
 * transaction (so none is lost or published for a change that rolled back). The auth service's
 * claims projection, and any other consumer, follows them.
 */
/** What changes the roles and memberships access tokens carry. */
const CHANGES_CLAIMS: ReadonlySet<ProfileEventType> = new Set([
  'UserRoleChanged',
  'UserDeleted',
  'OrganizationDeleted',
  'MemberAdded',
  'MemberRoleChanged',
  'MemberRemoved',
]);

export class OutboxProfileAuditTrail extends ProfileAuditTrail {
  private readonly ids = new UuidV7();

  /**
   * `claimsChanged`: told, within the transaction, of each change to a user's roles or
   * memberships, with the id of its newest event (ClaimsPush).
   */
  constructor(
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
    private readonly claimsChanged?: (userId: string, version: string) => void,
  ) {
    super();
  }

  async record(event: ProfileAuditEvent): Promise<void> {
    const occurredAt = this.clock.now();
    const data = { ...(event.actorId ? { actorId: event.actorId } : {}), ...event.data };
    const events = publishedProfileEvents({ type: event.type, userId: event.userId, data }).map((published) =>
      outgoingEvent({
        ...published,
        subject: event.userId,
        id: this.ids.next(),
        occurredAt,
        requestId: event.meta.requestId,
      }),
    );
    await this.outbox.appendAll(events);
    const newest = events.at(-1)?.envelope.id;
    if (newest && CHANGES_CLAIMS.has(event.type)) this.claimsChanged?.(event.userId, newest);
  }
}
