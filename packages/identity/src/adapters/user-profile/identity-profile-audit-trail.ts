import { Injectable } from '@nestjs/common';
import { type ProfileAuditEvent, ProfileAuditTrail } from '@latchkey/user-profile';
import { AuditLog, UserViewCache } from '../../application/ports';

/**
 * user-profile's events go to the one audit trail, beside identity's own. Every change to a
 * profile or a membership is recorded here in its transaction, so this is also where identity
 * forgets its cached view of that user (the name it shows) when the change commits.
 */
@Injectable()
export class IdentityProfileAuditTrail extends ProfileAuditTrail {
  constructor(
    private readonly audit: AuditLog,
    private readonly views: UserViewCache,
  ) {
    super();
  }

  record(event: ProfileAuditEvent): Promise<void> {
    this.views.forget(event.userId);
    return this.audit.record({
      type: event.type,
      userId: event.userId,
      sessionId: null,
      meta: event.meta,
      data: { ...(event.actorId ? { actorId: event.actorId } : {}), ...event.data },
    });
  }
}
