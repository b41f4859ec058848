import { Injectable } from '@nestjs/common';
import { and, asc, count, desc, eq, gte, inArray, isNull, lt, not, or, type SQL, sql } from 'drizzle-orm';
import { Clock } from '@latchkey/shared-kernel';
import { Database, type PreparedWrite, rowOf } from '@latchkey/platform';
import { EventOutbox } from '@latchkey/platform-messaging';
import {
  AuditLog,
  type AuditQuery,
  type AuthEvent,
  type ForwardedAuthEvent,
  IdGenerator,
  type RecordedAuthEvent,
} from '../../application/ports';
import { publishedEventsOf } from './published-events';
import { authEvents } from './schema';

export type AuditRow = Omit<typeof authEvents.$inferInsert, 'data'> & { data: Record<string, unknown> };

/**
 * The one place an event becomes an `auth_events` row: DrizzleAuditLog writes it, and so does the
 * refresh rotation's statement, which records its event in the same round trip.
 */
export function auditRowOf(event: AuthEvent, id: string, occurredAt: Date): AuditRow {
  return {
    id,
    type: event.type,
    userId: event.userId,
    sessionId: event.sessionId,
    ip: event.meta.ip,
    userAgent: event.meta.userAgent,
    requestId: event.meta.requestId,
    occurredAt,
    data: event.data ?? {},
  };
}
const AUDIT_ROW = {
  id: true,
  type: true,
  userId: true,
  sessionId: true,
  ip: true,
  userAgent: true,
  requestId: true,
  occurredAt: true,
  data: true,
} as const satisfies Record<keyof AuditRow, true>;

/**
 * Writes in the current unit of work (a transaction, or a write batch): the event commits or
 * rolls back with its change. It is also the one writer of published events: each audit event
 * goes to the event outbox as the public events it maps to (published-events.ts), in the same
 * unit of work, so no event can be recorded and not published, or the reverse.
 */
@Injectable()
export class DrizzleAuditLog extends AuditLog {
  private readonly insert: PreparedWrite<AuditRow>;

  constructor(
    private readonly database: Database,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly events: EventOutbox,
  ) {
    super();
    this.insert = database.preparedWrite('auth_event_insert', (db, value) =>
      db.insert(authEvents).values(rowOf(AUDIT_ROW, value)),
    );
  }

  async record(event: AuthEvent): Promise<void> {
    const now = this.clock.now();
    await this.insert(auditRowOf(event, this.ids.next(), now));
    for (const published of publishedEventsOf(event, now, () => this.ids.next())) {
      await this.events.append(published);
    }
  }

  async recordAll(events: AuthEvent[]): Promise<void> {
    const now = this.clock.now();
    await this.insertRows(events.map((event) => auditRowOf(event, this.ids.next(), now)));
    const published = events.flatMap((event) => publishedEventsOf(event, now, () => this.ids.next()));
    await this.events.appendAll(published);
  }

  async recordForwarded(events: ForwardedAuthEvent[]): Promise<void> {
    await this.insertRows(
      events.map((event) => auditRowOf(event, event.id, event.occurredAt)),
      sql`on conflict (id) do nothing`,
    );
  }

  /** One statement and one JSON parameter however many rows (the clean-up writes a thousand at a time). */
  private async insertRows(rows: AuditRow[], onConflict = sql``): Promise<void> {
    await this.database.db.execute(sql`
      insert into auth_events (id, type, user_id, session_id, ip, user_agent, request_id, occurred_at, data)
      select r.id, r.type, r."userId", r."sessionId", r.ip, r."userAgent", r."requestId", r."occurredAt", r.data
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        id uuid, type text, "userId" uuid, "sessionId" uuid, ip text, "userAgent" text, "requestId" text,
        "occurredAt" timestamptz, data jsonb
      )
      ${onConflict}
    `);
  }

  async purgeBefore(cutoff: Date, limit: number): Promise<number> {
    // The append-only trigger lets a DELETE through only for rows older than this instant, and
    // only within this transaction: a purge cannot reach into the retained window.
    await this.database.db.execute(
      sql`select set_config('latchkey.audit_retention_before', ${cutoff.toISOString()}, true)`,
    );
    const oldest = this.database.db
      .select({ id: authEvents.id })
      .from(authEvents)
      .where(lt(authEvents.occurredAt, cutoff))
      .orderBy(asc(authEvents.occurredAt))
      .limit(limit);
    const deleted = await this.database.db
      .delete(authEvents)
      .where(inArray(authEvents.id, oldest))
      .returning({ id: authEvents.id });
    await this.database.db.execute(sql`select set_config('latchkey.audit_retention_before', '', true)`);
    return deleted.length;
  }

  async countBefore(cutoff: Date): Promise<number> {
    const [row] = await this.database.db
      .select({ count: count() })
      .from(authEvents)
      .where(lt(authEvents.occurredAt, cutoff));
    return row?.count ?? 0;
  }

  async find(query: AuditQuery): Promise<RecordedAuthEvent[]> {
    const about = sql`${authEvents.data} ->> 'email' = ${query.email}`;
    // The time window comes first so the occurred_at index bounds the scan; `data ->> 'email'`
    // has no index of its own (an operator's query, rare, over a bounded window).
    return this.database.db
      .select({
        type: authEvents.type,
        occurredAt: authEvents.occurredAt,
        userId: authEvents.userId,
        sessionId: authEvents.sessionId,
        ip: authEvents.ip,
        userAgent: authEvents.userAgent,
        requestId: authEvents.requestId,
        data: authEvents.data,
      })
      .from(authEvents)
      .where(
        and(
          gte(authEvents.occurredAt, query.since),
          query.userId === null ? about : or(eq(authEvents.userId, query.userId), about),
          query.types.length > 0 ? inArray(authEvents.type, [...query.types]) : undefined,
        ),
      )
      .orderBy(desc(authEvents.occurredAt), desc(authEvents.id))
      .limit(query.limit);
  }

  async redactUser(userId: string): Promise<void> {
    await this.redact(userId);
    await this.events.forgetPublished(userId);
  }

  async redactLateRecords(userId: string, erasureTypes: readonly string[]): Promise<void> {
    await this.redact(userId, and(inArray(authEvents.type, [...erasureTypes]), isNull(authEvents.ip)));
  }

  /** The user's events, but those `kept`, lose their ip, user agent and data. */
  private async redact(userId: string, kept?: SQL): Promise<void> {
    // The append-only trigger lets exactly this through, and only within this transaction.
    await this.database.db.execute(sql`set local latchkey.audit_erasure = 'on'`);
    await this.database.db
      .update(authEvents)
      .set({ ip: null, userAgent: null, data: {} })
      .where(and(eq(authEvents.userId, userId), kept && not(kept)));
    await this.database.db.execute(sql`set local latchkey.audit_erasure = 'off'`);
  }
}
