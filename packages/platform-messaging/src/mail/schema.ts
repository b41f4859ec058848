import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The email outbox: a message is written in the transaction of the change it reports and sent
 * after that commits, with retries, by whichever instance claims it first.
 */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: uuid('id').primaryKey(),
    /** What the message is (`password-reset`, …), for operators; never its content. */
    kind: text('kind').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    /** Text and HTML bodies, sealed (AES-256-GCM): they carry reset links and codes. Null once settled. */
    body: text('body'),
    status: text('status', { enum: ['pending', 'sent', 'failed', 'cancelled'] }).notNull(),
    /** Sends tried so far. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    /** A claimed message is invisible to other senders until then (a crashed sender's lease ends). */
    lockedUntil: at('locked_until'),
    lastError: text('last_error'),
    createdAt: at('created_at').notNull(),
    settledAt: at('settled_at'),
  },
  (t) => [
    index('email_outbox_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index('email_outbox_settled_idx')
      .on(t.settledAt)
      .where(sql`${t.status} <> 'pending'`),
  ],
);
