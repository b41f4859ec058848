import { sql } from 'drizzle-orm';
import { type Database, type PreparedWrite, rowOf } from '@latchkey/platform';
import { OutboxTable, type RelayedItem, TableRelaySource } from '@latchkey/platform-messaging';
import { auditForward } from '../persistence/schema';

/**
 * One audit record as it travels to the auth service's trail (`POST /internal/audit-events`):
 * what the monolith writes to `auth_events` in the change's transaction, with the id and time it
 * was recorded with, so a second delivery writes nothing.
 */
export interface ForwardedAuditRecord {
  id: string;
  type: string;
  userId: string;
  occurredAt: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
}

/** A record claimed for delivery; a user's records are delivered in the order they were written. */
export interface ClaimedAuditRecord extends RelayedItem {
  orderingKey: string;
  record: ForwardedAuditRecord;
}

type Stored = Omit<ForwardedAuditRecord, 'id' | 'type' | 'userId'>;
type ClaimedRow = { id: string; type: string; user_id: string; record: Stored | null; attempts: number };
type QueuedRow = Pick<
  typeof auditForward.$inferInsert,
  'id' | 'type' | 'userId' | 'record' | 'status' | 'nextAttemptAt' | 'createdAt'
>;
const QUEUED_ROW = {
  id: true,
  type: true,
  userId: true,
  record: true,
  status: true,
  nextAttemptAt: true,
  createdAt: true,
} as const satisfies Record<keyof QueuedRow, true>;

/**
 * The user service's audit records waiting for the auth service's trail (the `audit_forward`
 * table): written in the change's transaction, so a record exists exactly when its change
 * committed; delivered after that by the outbox relay (AuditForwarder), a user's in order; what
 * they say of the request (ip, user agent, data) is cleared once delivered.
 */
export class AuditForwardOutbox extends TableRelaySource<ClaimedAuditRecord, ClaimedRow> {
  private readonly insert: PreparedWrite<QueuedRow>;

  constructor(private readonly database: Database) {
    super(
      new OutboxTable<ClaimedRow>(database, {
        table: 'audit_forward',
        sealedColumn: 'record',
        claimColumns: ['id', 'type', 'user_id', 'record', 'attempts'],
        ordered: { key: 'user_id', order: ['xact', 'id'], writerTransaction: true },
      }),
    );
    this.insert = database.preparedWrite('audit_forward_insert', (db, value) =>
      db.insert(auditForward).values(rowOf(QUEUED_ROW, value)),
    );
  }

  /** In the current transaction. */
  async enqueue(record: ForwardedAuditRecord, now: Date): Promise<void> {
    const { id, type, userId, ...stored } = record;
    await this.insert({
      id,
      type,
      userId,
      record: stored,
      status: 'pending',
      nextAttemptAt: now,
      createdAt: now,
    });
  }

  /**
   * Erasure: the user's records still waiting from earlier transactions lose their ip, user agent
   * and data (as the auth service's erasure redacts those already delivered); what the current
   * transaction recorded (the erasure's own records) is kept.
   */
  async redactWaiting(userId: string): Promise<void> {
    await this.database.db.execute(sql`
      update audit_forward
      set record = record || '{"ip": null, "userAgent": null, "data": {}}'::jsonb
      where user_id = ${userId} and status = 'pending' and record is not null
        and xact <> (pg_current_xact_id()::text)::bigint
    `);
  }

  async claimDue(now: Date, leaseSeconds: number, limit: number): Promise<ClaimedAuditRecord[]> {
    const rows = await this.table.claimDue(now, leaseSeconds, limit);
    const claimed: ClaimedAuditRecord[] = [];
    for (const row of rows) {
      if (row.record === null) {
        await this.table.markFailed(row.id, 'the record was cleared before delivery', now, undefined);
        continue;
      }
      claimed.push({
        id: row.id,
        attempts: row.attempts,
        orderingKey: row.user_id,
        record: { id: row.id, type: row.type, userId: row.user_id, ...row.record },
      });
    }
    return claimed;
  }
}
