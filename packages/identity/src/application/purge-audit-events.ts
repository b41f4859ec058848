import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork, ValidationFailed } from '@latchkey/shared-kernel';
import { AuditLog, IdentitySettings } from './ports';

const BATCH = 5_000;
const DAY = 86_400;
/** The floor AUDIT_EVENTS_RETENTION also has: an incident review reads weeks-old events. */
const MIN_RETENTION_SECONDS = 30 * DAY;

export interface PurgeAuditEventsCommand {
  /** Overrides AUDIT_EVENTS_RETENTION for this run. */
  olderThanSeconds?: number;
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
}

/**
 * An operator (or cron) enforces the audit trail's retention: events older than the retention go,
 * the oldest first, a batch per transaction so a large backlog never sits in one. The purge is
 * itself recorded (`AuditEventsPurged`, with the cutoff and the count). The database refuses any
 * deletion of a newer event (the append-only trigger), whatever the caller.
 */
@Injectable()
export class PurgeAuditEvents {
  constructor(
    private readonly audit: AuditLog,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(command: PurgeAuditEventsCommand = {}): Promise<{ cutoff: Date; purged: number }> {
    const retention = command.olderThanSeconds ?? this.settings.auditRetentionSeconds;
    if (retention === undefined) {
      throw new ValidationFailed(
        [{ field: 'olderThan', message: 'set AUDIT_EVENTS_RETENTION, or give --older-than (e.g. 400d)' }],
        'No retention is configured: events are kept forever',
      );
    }
    if (retention < MIN_RETENTION_SECONDS) {
      throw new ValidationFailed([{ field: 'olderThan', message: 'must be at least 30 days' }]);
    }
    const cutoff = new Date(this.clock.now().getTime() - retention * 1000);
    if (command.dryRun) return { cutoff, purged: await this.audit.countBefore(cutoff) };

    let purged = 0;
    for (;;) {
      const deleted = await this.unitOfWork.run(() => this.audit.purgeBefore(cutoff, BATCH));
      purged += deleted;
      if (deleted < BATCH) break;
    }
    await this.unitOfWork.run(() =>
      this.audit.record({
        type: 'AuditEventsPurged',
        userId: null,
        sessionId: null,
        meta: { ip: null, userAgent: 'latchkey-cli', requestId: null },
        data: { before: cutoff.toISOString(), count: purged },
      }),
    );
    return { cutoff, purged };
  }
}
