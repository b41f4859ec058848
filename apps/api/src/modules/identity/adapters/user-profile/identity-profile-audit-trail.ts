import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '../../../../shared-kernel/principal';
import { ProfileAuditTrail, type ProfileEventType } from '../../../user-profile';
import { AuditLog } from '../../application/ports';

/** user-profile's events go to the one audit trail, beside identity's own. */
@Injectable()
export class IdentityProfileAuditTrail extends ProfileAuditTrail {
  constructor(private readonly audit: AuditLog) {
    super();
  }

  record(event: {
    type: ProfileEventType;
    userId: string;
    actorId: string | null;
    meta: RequestMeta;
    data?: Record<string, unknown>;
  }): Promise<void> {
    return this.audit.record({
      type: event.type,
      userId: event.userId,
      sessionId: null,
      meta: event.meta,
      data: { ...(event.actorId ? { actorId: event.actorId } : {}), ...event.data },
    });
  }
}
