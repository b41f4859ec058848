import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { LatchkeyEvent } from '@latchkey/contracts';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The event outbox: every domain event, written in the transaction of the change it reports and
 * published to the broker after that commits. Published rows are kept for EVENTS_RETENTION (for
 * `pnpm events list|replay`), then deleted.
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    /** The event's id (UUIDv7), as in its envelope. */
    id: uuid('id').primaryKey(),
    /**
     * The writing transaction (pg_current_xact_id, assigned at its first write or row lock).
     * Publish order is (xact, id): transactions in the order they took their first lock (a user's
     * changes are serialized by their rows' locks), and within one, the order its events were
     * made (ids are UUIDv7, monotonic within a process). Not a sequence: rows written by one
     * statement (a write batch) would take sequence values in no defined order.
     */
    xact: bigint('xact', { mode: 'number' })
      .notNull()
      .default(sql`(pg_current_xact_id()::text)::bigint`),
    type: text('type').notNull(),
    /** The envelope's subject (the user id), for operators' queries. */
    subject: text('subject').notNull(),
    /** Events of one key are published one at a time, in order: the user, or `signing-keys`. */
    orderingKey: text('ordering_key').notNull(),
    envelope: jsonb('envelope').$type<LatchkeyEvent>().notNull(),
    status: text('status', { enum: ['pending', 'sent', 'failed', 'cancelled'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    lockedUntil: at('locked_until'),
    lastError: text('last_error'),
    createdAt: at('created_at').notNull(),
    settledAt: at('settled_at'),
  },
  (t) => [
    index('event_outbox_due_idx')
      .on(t.xact, t.id)
      .where(sql`${t.status} = 'pending'`),
    index('event_outbox_key_idx')
      .on(t.orderingKey, t.xact, t.id)
      .where(sql`${t.status} = 'pending'`),
    index('event_outbox_settled_idx')
      .on(t.settledAt)
      .where(sql`${t.status} <> 'pending'`),
    index('event_outbox_subject_idx').on(t.subject, t.createdAt),
    index('event_outbox_created_idx').on(t.createdAt),
  ],
);

/**
 * A consumer's inbox: the ids of the events it has processed, written in the transaction of its
 * handler, so a redelivered event (a relay crash between publish and mark, a replay) is skipped.
 */
export const eventInbox = pgTable(
  'event_inbox',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    type: text('type').notNull(),
    processedAt: at('processed_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.consumer, t.eventId] }),
    index('event_inbox_processed_idx').on(t.processedAt),
  ],
);
