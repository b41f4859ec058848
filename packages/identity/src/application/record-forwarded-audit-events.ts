import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@latchkey/shared-kernel';
import { AuditLog, type ForwardedAuthEvent } from './ports';

/** What a user's deletion records itself, without the request's ip (DeleteUser). */
const ERASURE_RECORDS = ['UserDeleted', 'OrganizationDeleted'] as const;

/**
 * The services deployment's user service delivers the audit records of its changes (profiles,
 * roles, organizations, memberships) to the one trail operators query, as the monolith records
 * them in its own transaction. A record is written once however often delivered (a retry after
 * a lost answer). A user's records arrive in the order they were written, the deletion's last: on
 * `UserDeleted` the user's events are redacted once more, so none that was already on its way
 * when the account was erased keeps the request data the erasure removed.
 */
@Injectable()
export class RecordForwardedAuditEvents {
  constructor(
    private readonly audit: AuditLog,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  execute(events: ForwardedAuthEvent[]): Promise<void> {
    return this.unitOfWork.run(async () => {
      await this.audit.recordForwarded(events);
      for (const event of events)
        if (event.type === 'UserDeleted' && event.userId)
          await this.audit.redactLateRecords(event.userId, ERASURE_RECORDS);
    });
  }
}
