import { type Database, UuidV7 } from '@latchkey/platform';
import type { Clock } from '@latchkey/shared-kernel';
import { type ProfileAuditEvent, ProfileAuditTrail } from '../../application/ports';
import type { AuditForwardOutbox } from './audit-forward-outbox';
import type { AuditForwarder } from './audit-forwarder';

/**
 * The user service's audit trail, for the auth service's `auth_events` (the one trail operators
 * query, as in the monolith): each record is written to the forward outbox in the change's
 * transaction (`inner` writes the public events), and delivered once that commits. A user's
 * deletion first redacts their records still waiting, as the auth service's erasure redacts
 * those already delivered.
 */
export class ForwardingAuditTrail extends ProfileAuditTrail {
  private readonly ids = new UuidV7();

  constructor(
    private readonly inner: ProfileAuditTrail,
    private readonly outbox: AuditForwardOutbox,
    private readonly forwarder: AuditForwarder,
    private readonly database: Database,
    private readonly clock: Clock,
  ) {
    super();
  }

  async record(event: ProfileAuditEvent): Promise<void> {
    await this.inner.record(event);
    if (event.type === 'UserDeleted') await this.outbox.redactWaiting(event.userId);
    const now = this.clock.now();
    await this.outbox.enqueue(
      {
        id: this.ids.next(),
        type: event.type,
        userId: event.userId,
        occurredAt: now.toISOString(),
        ip: event.meta.ip,
        userAgent: event.meta.userAgent,
        requestId: event.meta.requestId,
        data: { ...(event.actorId ? { actorId: event.actorId } : {}), ...event.data },
      },
      now,
    );
    this.database.afterCommit(() => this.forwarder.committed());
  }
}
