import { Injectable } from '@nestjs/common';
import { UuidV7 } from '@latchkey/platform';
import { EventOutbox, outgoingEvent } from '@latchkey/platform-messaging';
import { Clock } from '@latchkey/shared-kernel';
import { type ProfileAuditEvent, ProfileAuditTrail } from '../../application/ports';
import { publishedProfileEvents } from './published-profile-events';

/**
 * The user service's ProfileAuditTrail: with no identity audit trail in the process, each change
 * is written to this service's own event outbox as the public events it maps to, in the change's
 * transaction (so none is lost or published for a change that rolled back). The auth service's
 * claims projection, and any other consumer, follows them.
 */
@Injectable()
export class OutboxProfileAuditTrail extends ProfileAuditTrail {
  private readonly ids = new UuidV7();

  constructor(
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
  ) {
    super();
  }

  async record(event: ProfileAuditEvent): Promise<void> {
    const occurredAt = this.clock.now();
    const data = { ...(event.actorId ? { actorId: event.actorId } : {}), ...event.data };
    await this.outbox.appendAll(
      publishedProfileEvents({ type: event.type, userId: event.userId, data }).map((published) =>
        outgoingEvent({
          ...published,
          subject: event.userId,
          id: this.ids.next(),
          occurredAt,
          requestId: event.meta.requestId,
        }),
      ),
    );
  }
}
