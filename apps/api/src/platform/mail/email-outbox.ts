import { createCipheriv, createDecipheriv, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { and, desc, eq, lt, ne, sql } from 'drizzle-orm';
import { ServerSecrets } from '../config/server-secrets';
import { pooledRandomBytes } from '../crypto/pooled-random-bytes';
import { Database, type PreparedWrite, rowOf, type Statement } from '../database/database';
import type { OutgoingEmail } from './mail-transport';
import { emailOutbox } from './schema';

export type OutboxDeliveryState = 'queued' | 'sent' | 'retrying' | 'failed' | 'cancelled';

/** A message as an operator sees it: no body. */
export interface OutboxEntry {
  id: string;
  kind: string;
  subject: string;
  state: OutboxDeliveryState;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date;
  settledAt: Date | null;
}

/** A message claimed for sending, its body unsealed. */
export interface ClaimedEmail {
  id: string;
  kind: string;
  attempts: number;
  email: OutgoingEmail;
}

/** A waiting message is `retrying` once a send has failed; a settled one is its status. */
function deliveryStateOf(
  row: Pick<typeof emailOutbox.$inferSelect, 'status' | 'lastError'>,
): OutboxDeliveryState {
  if (row.status === 'pending') return row.lastError === null ? 'queued' : 'retrying';
  return row.status;
}

const SEAL_LABEL = 'latchkey/email-outbox/body/v1';
const incrementAttempts = () => sql`${emailOutbox.attempts} + 1`;
const IV_BYTES = 12;
const TAG_BYTES = 16;

type ClaimedRow = Pick<
  typeof emailOutbox.$inferSelect,
  'id' | 'kind' | 'recipient' | 'subject' | 'body' | 'attempts'
>;
type QueuedRow = Pick<
  typeof emailOutbox.$inferInsert,
  'id' | 'kind' | 'recipient' | 'subject' | 'body' | 'status' | 'nextAttemptAt' | 'createdAt'
>;
const QUEUED_ROW = {
  id: true,
  kind: true,
  recipient: true,
  subject: true,
  body: true,
  status: true,
  nextAttemptAt: true,
  createdAt: true,
} as const satisfies Record<keyof QueuedRow, true>;

/**
 * The durable queue of outgoing email. `enqueue` writes in the caller's unit of work, so a message
 * exists exactly when the change it reports was committed; the dispatcher is nudged after commit.
 * Bodies are sealed under a key derived from the server secret and dropped once a message settles:
 * a database dump holds no working reset link.
 */
@Injectable()
export class EmailOutbox {
  private readonly key: Buffer;
  private readonly listeners: (() => void)[] = [];
  // Registration queues its email in its one statement (UnitOfWork.runWrites).
  private readonly insert: PreparedWrite<QueuedRow>;
  // Every message sent is claimed and then marked sent: both built once and named.
  private readonly claim: Statement<ClaimedRow>;
  private readonly settleSent: Statement<never>;

  constructor(
    private readonly database: Database,
    secrets: ServerSecrets,
  ) {
    this.key = secrets.derivedKey(SEAL_LABEL);
    this.insert = database.preparedWrite('email_outbox_insert', (db, value) =>
      db.insert(emailOutbox).values(rowOf(QUEUED_ROW, value)),
    );
    const now = sql`${sql.placeholder('now')}::timestamptz`;
    this.claim = database.statement(
      'email_outbox_claim',
      sql`
        update email_outbox set locked_until = ${sql.placeholder('lockedUntil')}::timestamptz
        where id in (
          select id from email_outbox
          where status = 'pending' and next_attempt_at <= ${now}
            and (locked_until is null or locked_until <= ${now})
          order by next_attempt_at
          limit ${sql.placeholder('limit')}::int
          for update skip locked
        )
        returning id, kind, recipient, subject, body, attempts
      `,
    );
    this.settleSent = database.statement(
      'email_outbox_sent',
      sql`
        update email_outbox
        set status = 'sent', body = null, settled_at = ${now}, locked_until = null, attempts = attempts + 1
        where id = ${sql.placeholder('id')}::uuid
      `,
    );
  }

  /** Called after each commit that queued mail (the dispatcher sends at once instead of at its next poll). */
  onEnqueued(listener: () => void): void {
    this.listeners.push(listener);
  }

  async enqueue(kind: string, email: OutgoingEmail, now: Date): Promise<string> {
    const id = randomUUID();
    await this.insert({
      id,
      kind,
      recipient: email.to,
      subject: email.subject,
      body: this.seal(id, { text: email.text, html: email.html }),
      status: 'pending' as const,
      nextAttemptAt: now,
      createdAt: now,
    });
    this.database.afterCommit(() => this.listeners.forEach((listener) => listener()));
    return id;
  }

  async state(id: string): Promise<OutboxDeliveryState> {
    const [row] = await this.database.db
      .select({ status: emailOutbox.status, lastError: emailOutbox.lastError })
      .from(emailOutbox)
      .where(eq(emailOutbox.id, id));
    if (!row) return 'cancelled'; // purged long after settling
    return deliveryStateOf(row);
  }

  async cancel(id: string, now: Date): Promise<void> {
    await this.database.db
      .update(emailOutbox)
      .set({ status: 'cancelled', body: null, settledAt: now })
      .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, 'pending')));
  }

  /**
   * Leases up to `limit` due messages. SKIP LOCKED lets several instances claim side by side
   * without waiting on each other or taking the same row; the lease (not a held transaction)
   * keeps a message claimed while it is sent, and lapses if its sender dies.
   */
  async claimDue(now: Date, leaseSeconds: number, limit: number): Promise<ClaimedEmail[]> {
    const lockedUntil = new Date(now.getTime() + leaseSeconds * 1000);
    const rows = await this.claim({ now, lockedUntil, limit });
    const claimed: ClaimedEmail[] = [];
    for (const row of rows) {
      const body = row.body === null ? undefined : this.unseal(row.id, row.body);
      if (!body) {
        // Sealed under another server secret (REFRESH_TOKEN_PEPPER changed): no retry can help.
        await this.markFailed(row.id, 'the body cannot be unsealed with this server secret', now, undefined);
        continue;
      }
      claimed.push({
        id: row.id,
        kind: row.kind,
        attempts: row.attempts,
        email: { to: row.recipient, subject: row.subject, ...body },
      });
    }
    return claimed;
  }

  async markSent(id: string, now: Date): Promise<void> {
    await this.settleSent({ id, now });
  }

  /** `retryAt` undefined: given up on. */
  async markFailed(id: string, reason: string, now: Date, retryAt: Date | undefined): Promise<void> {
    await this.database.db
      .update(emailOutbox)
      .set(
        retryAt
          ? { lastError: reason, nextAttemptAt: retryAt, lockedUntil: null, attempts: incrementAttempts() }
          : {
              status: 'failed',
              lastError: reason,
              body: null,
              settledAt: now,
              lockedUntil: null,
              attempts: incrementAttempts(),
            },
      )
      .where(eq(emailOutbox.id, id));
  }

  /**
   * For an operator ("the reset mail never arrived"): the newest messages to an address, what
   * they are and how their delivery went, never their bodies (they hold links and codes).
   */
  async recentFor(recipient: string, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.database.db
      .select({
        id: emailOutbox.id,
        kind: emailOutbox.kind,
        subject: emailOutbox.subject,
        status: emailOutbox.status,
        attempts: emailOutbox.attempts,
        lastError: emailOutbox.lastError,
        createdAt: emailOutbox.createdAt,
        nextAttemptAt: emailOutbox.nextAttemptAt,
        settledAt: emailOutbox.settledAt,
      })
      .from(emailOutbox)
      .where(eq(sql`lower(${emailOutbox.recipient})`, recipient.toLowerCase()))
      .orderBy(desc(emailOutbox.createdAt))
      .limit(limit);
    return rows.map(({ status, ...row }) => ({
      ...row,
      state: deliveryStateOf({ status, lastError: row.lastError }),
    }));
  }

  /**
   * A message still waiting (queued, or retrying after a failure) becomes due now: once the
   * relay is fixed, nobody has to wait out the backoff. False when it is not waiting.
   */
  async retryNow(id: string, now: Date): Promise<boolean> {
    const rows = await this.database.db
      .update(emailOutbox)
      .set({ nextAttemptAt: now })
      .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, 'pending')))
      .returning({ id: emailOutbox.id });
    return rows.length > 0;
  }

  /** Erasure of a user: their messages, queued or kept, go (a queued one is never sent). */
  async forget(recipient: string): Promise<void> {
    await this.database.db.delete(emailOutbox).where(eq(emailOutbox.recipient, recipient));
  }

  /** Settled messages (addresses and subjects) are kept this long for operators, then deleted. */
  async purgeSettledBefore(cutoff: Date): Promise<void> {
    await this.database.db
      .delete(emailOutbox)
      .where(and(ne(emailOutbox.status, 'pending'), lt(emailOutbox.settledAt, cutoff)));
  }

  private seal(id: string, body: { text: string; html: string }): string {
    const iv = pooledRandomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(id)); // a sealed body cannot be moved onto another row
    const sealed = Buffer.concat([cipher.update(JSON.stringify(body), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  private unseal(id: string, sealed: string): { text: string; html: string } | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as { text: string; html: string };
    } catch {
      return undefined;
    }
  }
}
