import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { Clock } from '../../../../shared-kernel/clock';
import { Database } from '../../../../platform/database/database';
import { AuditLog, type AuthEvent, IdGenerator } from '../../application/ports';
import { authEvents } from './schema';

/**
 * Writes in the current unit of work (a transaction, or a write batch): the event commits or
 * rolls back with its change.
 */
@Injectable()
export class DrizzleAuditLog extends AuditLog {
  constructor(
    private readonly database: Database,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {
    super();
  }

  async record(event: AuthEvent): Promise<void> {
    const row = {
      id: this.ids.next(),
      type: event.type,
      userId: event.userId,
      sessionId: event.sessionId,
      ip: event.meta.ip,
      userAgent: event.meta.userAgent,
      requestId: event.meta.requestId,
      occurredAt: this.clock.now(),
      data: event.data ?? {},
    };
    await this.database.write((db) => db.insert(authEvents).values(row));
  }

  async redactUser(userId: string): Promise<void> {
    // The append-only trigger lets exactly this through, and only within this transaction.
    await this.database.db.execute(sql`set local latchkey.audit_erasure = 'on'`);
    await this.database.db
      .update(authEvents)
      .set({ ip: null, userAgent: null, data: {} })
      .where(eq(authEvents.userId, userId));
    await this.database.db.execute(sql`set local latchkey.audit_erasure = 'off'`);
  }
}
