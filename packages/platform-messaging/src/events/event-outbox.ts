import { Injectable } from '@nestjs/common';
import { and, asc, eq, gte, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { Database, type PreparedWrite, rowOf } from '@latchkey/platform';
import { OutboxTable } from '../messaging/outbox-table';
import { TableRelaySource } from '../messaging/table-relay-source';
import { eventOutbox } from './schema';

/** An event as written: its envelope, and the key its order is kept within (the user). */
export interface OutgoingEvent {
  envelope: LatchkeyEvent;
  orderingKey: string;
}

/** An event leased for publishing. */
export interface ClaimedEvent {
  id: string;
  attempts: number;
  envelope: LatchkeyEvent;
  /** The relay publishes a key's events one after another, in the order they are claimed in. */
  orderingKey: string;
}

interface ClaimedRow {
  id: string;
  attempts: number;
  envelope: LatchkeyEvent;
  ordering_key: string;
  xact: string | number;
}

export type EventDeliveryState = 'pending' | 'retrying' | 'published' | 'failed';

/** An event as an operator lists it. */
export interface EventEntry {
  envelope: LatchkeyEvent;
  state: EventDeliveryState;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  settledAt: Date | null;
}

export interface EventQuery {
  since: Date;
  /** Event types (`latchkey.….v1`); empty: all. */
  types: readonly string[];
  subject?: string;
  limit: number;
}

type InsertedRow = Pick<
  typeof eventOutbox.$inferInsert,
  'id' | 'type' | 'subject' | 'orderingKey' | 'envelope' | 'status' | 'nextAttemptAt' | 'createdAt'
>;
const INSERTED_ROW = {
  id: true,
  type: true,
  subject: true,
  orderingKey: true,
  envelope: true,
  status: true,
  nextAttemptAt: true,
  createdAt: true,
} as const satisfies Record<keyof InsertedRow, true>;

/**
 * The durable queue of domain events. `append` writes in the caller's unit of work (a transaction
 * or a write batch), so an event exists exactly when the change it reports committed; the relay
 * is nudged after commit. Unlike mail, nothing here is secret (the contract forbids it), so a
 * published row keeps its envelope for `pnpm events list|replay` until EVENTS_RETENTION ends.
 */
@Injectable()
export class EventOutbox extends TableRelaySource<ClaimedEvent, ClaimedRow> {
  private readonly insert: PreparedWrite<InsertedRow>;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly database: Database) {
    super(
      new OutboxTable<ClaimedRow>(database, {
        table: 'event_outbox',
        claimColumns: ['id', 'attempts', 'envelope', 'ordering_key', 'xact'],
        ordered: { key: 'ordering_key', order: ['xact', 'id'], writerTransaction: true },
      }),
    );
    this.insert = database.preparedWrite('event_outbox_insert', (db, value) =>
      db.insert(eventOutbox).values(rowOf(INSERTED_ROW, value)),
    );
  }

  /** Called after each commit that appended events (the relay publishes at once, not at its next poll). */
  onAppended(listener: () => void): void {
    this.listeners.push(listener);
  }

  async append(event: OutgoingEvent): Promise<void> {
    await this.insert(EventOutbox.rowOf(event));
    this.notifyAfterCommit();
  }

  /** Many events in one insert (in order), in the current transaction. */
  async appendAll(events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One parameter however many events: cheaper to build and send than a wide VALUES list.
    await this.database.db.execute(insertFromJson(eventOutboxValues(events), undefined));
    this.notifyAfterCommit();
  }

  /** The row of an event as written (also what `eventOutboxValues` sends for a statement's own insert). */
  static rowOf(event: OutgoingEvent): InsertedRow {
    const time = new Date(event.envelope.time);
    return {
      id: event.envelope.id,
      type: event.envelope.type,
      subject: event.envelope.subject,
      orderingKey: event.orderingKey,
      envelope: event.envelope,
      status: 'pending',
      nextAttemptAt: time,
      createdAt: time,
    };
  }

  /** Nudges the relay after the current transaction commits (for statements that insert themselves). */
  notifyAfterCommit(): void {
    this.database.afterCommit(() => this.listeners.forEach((listener) => listener()));
  }

  /**
   * Leases due events in publish order, each key's first ones only while none before them is
   * held back (OutboxTable's ordered claim); returned in that order.
   */
  async claimDue(now: Date, leaseSeconds: number, limit: number): Promise<ClaimedEvent[]> {
    const rows = await this.table.claimDue(now, leaseSeconds, limit);
    // `update … returning` keeps no order: sort by position, (xact, id).
    const position = (row: ClaimedRow) => BigInt(row.xact);
    rows.sort((a, b) => {
      const [x, y] = [position(a), position(b)];
      if (x !== y) return x < y ? -1 : 1;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    return rows.map((row) => ({
      id: row.id,
      attempts: row.attempts,
      envelope: row.envelope,
      orderingKey: row.ordering_key,
    }));
  }

  /** Oldest first: the order they were (or will be) published in. */
  async list(query: EventQuery): Promise<EventEntry[]> {
    const rows = await this.database.db
      .select({
        envelope: eventOutbox.envelope,
        status: eventOutbox.status,
        attempts: eventOutbox.attempts,
        lastError: eventOutbox.lastError,
        createdAt: eventOutbox.createdAt,
        settledAt: eventOutbox.settledAt,
      })
      .from(eventOutbox)
      .where(
        and(
          gte(eventOutbox.createdAt, query.since),
          query.types.length > 0 ? inArray(eventOutbox.type, [...query.types]) : undefined,
          query.subject === undefined ? undefined : eq(eventOutbox.subject, query.subject),
        ),
      )
      .orderBy(asc(eventOutbox.xact), asc(eventOutbox.id))
      .limit(query.limit);
    return rows.map(({ status, ...row }) => ({ ...row, state: stateOf(status, row.lastError) }));
  }

  /**
   * Replay: published events since `since` become pending again and are published anew, after
   * what was already waiting and in the order of their ids (UUIDv7: the order they were made in;
   * a user's events are made one after another). They take the replaying transaction as their
   * position: the relay's claim seeks from the oldest pending transaction, and would never look
   * at their old one again. For a consumer that lost its data; every consumer deduplicates by
   * event id, so the others skip them. Returns how many were queued.
   */
  async replay(query: Omit<EventQuery, 'limit'>, now: Date): Promise<number> {
    const replayed = await this.database.db
      .update(eventOutbox)
      .set({
        status: 'pending',
        xact: sql`(pg_current_xact_id()::text)::bigint`,
        nextAttemptAt: now,
        settledAt: null,
        lockedUntil: null,
        lastError: null,
      })
      .where(
        and(
          eq(eventOutbox.status, 'sent'),
          gte(eventOutbox.createdAt, query.since),
          query.types.length > 0 ? inArray(eventOutbox.type, [...query.types]) : undefined,
          query.subject === undefined ? undefined : eq(eventOutbox.subject, query.subject),
        ),
      )
      .returning({ id: eventOutbox.id });
    return replayed.length;
  }

  /**
   * Erasure of a user: their published events go (the email and name in UserRegistered among
   * them), so no replay sends them again. Events still waiting are published, in order, and
   * are followed by the UserDeleted that tells every consumer to erase what it holds.
   */
  async forgetPublished(subject: string): Promise<void> {
    await this.database.db
      .delete(eventOutbox)
      .where(and(eq(eventOutbox.subject, subject), ne(eventOutbox.status, 'pending')));
  }

  /**
   * Clean-up: up to `limit` events written before `cutoff` that are settled (published), or any
   * (`unpublished` too) where no broker is configured and nothing would ever publish them.
   */
  async purgeBefore(cutoff: Date, limit: number, options: { unpublished: boolean }): Promise<number> {
    const rows = await this.database.rows<{ id: string }>(sql`
      delete from event_outbox where id in (
        select id from event_outbox
        where created_at < ${cutoff.toISOString()}::timestamptz
          ${options.unpublished ? sql`` : sql`and status <> 'pending'`}
        order by created_at
        limit ${limit}
        for update skip locked
      )
      returning id
    `);
    return rows.length;
  }

  /** Clean-up of consumers' inboxes in this database: ids processed before `cutoff`. */
  async forgetProcessedBefore(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.database.rows<{ event_id: string }>(sql`
      delete from event_inbox where (consumer, event_id) in (
        select consumer, event_id from event_inbox
        where processed_at < ${cutoff.toISOString()}::timestamptz
        order by processed_at
        limit ${limit}
      )
      returning event_id
    `);
    return rows.length;
  }

  /** Events not yet published (pending or retrying), for health and tests. */
  async backlog(): Promise<number> {
    const [row] = await this.database.db
      .select({ count: sql<number>`count(*)::int` })
      .from(eventOutbox)
      .where(eq(eventOutbox.status, 'pending'));
    return row?.count ?? 0;
  }
}

function stateOf(status: string, lastError: string | null): EventDeliveryState {
  if (status === 'pending') return lastError === null ? 'pending' : 'retrying';
  return status === 'sent' ? 'published' : 'failed';
}

/**
 * The outbox insert as a statement fragment, for a writer that records its events inside a
 * statement of its own (the refresh rotation: one round trip). The events are written once per
 * row `guard` (a CTE of that statement expected to return one row or none) returns; their values
 * go in the placeholder `events` (`eventOutboxValues`).
 */
export function eventOutboxInsertFrom(guard: string): SQL {
  if (!/^[a-z_][a-z0-9_]*$/.test(guard)) throw new Error(`not an identifier: ${guard}`);
  return insertFromJson(sql.placeholder('events'), guard);
}

/** The insert of events given as one JSON array (a value, or a placeholder of a statement). */
function insertFromJson(events: unknown, guard: string | undefined): SQL {
  return sql`
    insert into event_outbox (id, type, subject, ordering_key, envelope, status, next_attempt_at, created_at)
    select (e ->> 'id')::uuid, e ->> 'type', e ->> 'subject', e ->> 'orderingKey', e -> 'envelope', 'pending',
      (e ->> 'time')::timestamptz, (e ->> 'time')::timestamptz
    from ${guard ? sql.raw(`${guard}, `) : sql``}jsonb_array_elements(${events}::jsonb) e
  `;
}

/** The value of `eventOutboxInsertFrom`'s `events` placeholder. */
export function eventOutboxValues(events: OutgoingEvent[]): string {
  return JSON.stringify(
    events.map(({ envelope, orderingKey }) => ({
      id: envelope.id,
      type: envelope.type,
      subject: envelope.subject,
      orderingKey,
      envelope,
      time: envelope.time,
    })),
  );
}
