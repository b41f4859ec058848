import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { and, desc, eq, sql } from 'drizzle-orm';
import { Database, type PreparedWrite, rowOf, ServerSecrets } from '@latchkey/platform';
import { OutboxTable } from '../messaging/outbox-table';
import { PayloadSeal } from '../messaging/payload-seal';
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
  private readonly seal: PayloadSeal;
  private readonly table: OutboxTable<ClaimedRow>;
  private readonly listeners: (() => void)[] = [];
  // Registration queues its email in its one statement (UnitOfWork.runWrites).
  private readonly insert: PreparedWrite<QueuedRow>;

  constructor(
    private readonly database: Database,
    secrets: ServerSecrets,
  ) {
    this.seal = new PayloadSeal(secrets.derivedKey(SEAL_LABEL));
    this.table = new OutboxTable<ClaimedRow>(database, {
      table: 'email_outbox',
      sealedColumn: 'body',
      claimColumns: ['id', 'kind', 'recipient', 'subject', 'body', 'attempts'],
    });
    this.insert = database.preparedWrite('email_outbox_insert', (db, value) =>
      db.insert(emailOutbox).values(rowOf(QUEUED_ROW, value)),
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
      body: this.seal.seal(id, { text: email.text, html: email.html }),
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

  /** Rows waiting, and when the oldest was written (OutboxTable.backlog), for metrics. */
  waiting(): Promise<{ depth: number; oldest: Date | undefined }> {
    return this.table.backlog();
  }

  /** Leases due messages (OutboxTable.claimDue) and unseals their bodies. */
  async claimDue(now: Date, leaseSeconds: number, limit: number): Promise<ClaimedEmail[]> {
    const rows = await this.table.claimDue(now, leaseSeconds, limit);
    const claimed: ClaimedEmail[] = [];
    for (const row of rows) {
      const body =
        row.body === null ? undefined : this.seal.unseal<{ text: string; html: string }>(row.id, row.body);
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

  markSent(id: string, now: Date): Promise<void> {
    return this.table.markSent(id, now);
  }

  /** `retryAt` undefined: given up on. */
  markFailed(id: string, reason: string, now: Date, retryAt: Date | undefined): Promise<void> {
    return this.table.markFailed(id, reason, now, retryAt);
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
  retryNow(id: string, now: Date): Promise<boolean> {
    return this.table.retryNow(id, now);
  }

  /** Erasure of a user: their messages, queued or kept, go (a queued one is never sent). */
  async forget(recipient: string): Promise<void> {
    await this.database.db.delete(emailOutbox).where(eq(emailOutbox.recipient, recipient));
  }

  /** Settled messages (addresses and subjects) are kept this long for operators, then deleted. */
  purgeSettledBefore(cutoff: Date): Promise<void> {
    return this.table.purgeSettledBefore(cutoff);
  }
}
