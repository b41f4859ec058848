import { sql } from 'drizzle-orm';
import { type Database, type Statement, transactionLock } from '@latchkey/platform';

/**
 * The delivery state machine every outbox table shares, whatever it carries: a row is `pending`
 * until it is `sent`, `failed` (given up on) or `cancelled`, and its sealed payload is dropped
 * when it settles. The columns: id uuid, status, attempts, next_attempt_at, locked_until,
 * last_error, created_at, settled_at, and the sealed payload column named here.
 */
export interface OutboxTableShape {
  /** The table, e.g. `email_outbox`; also the prefix of its statements' names. */
  table: string;
  /** The nullable column holding the sealed payload, cleared once a row settles; none: kept. */
  sealedColumn?: string;
  /** The columns a claim returns (id and attempts among them). */
  claimColumns: readonly string[];
  /**
   * Delivery in order per key: rows are claimed in the order of the `order` columns (compared as
   * a row), and a row only while no earlier pending row of its key is held back (leased by
   * another claim, or backing off): a claim takes a key's first rows in order, never a later one
   * without the earlier. Claims are serialised by an advisory lock, so each sees the leases of
   * the one before; the relay then delivers a key's rows one after another (RelayedItem.orderingKey).
   */
  ordered?: { key: string; order: readonly string[] };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The relay's side of an outbox table, as named statements built once: lease due rows (SKIP
 * LOCKED), settle them, schedule a retry, give up, make a waiting row due now, purge settled rows.
 * Each runs as a transaction of its own: the relay works outside any use case's transaction.
 */
export class OutboxTable<Claimed> {
  private readonly claim: Statement<Claimed>;
  private readonly claimInOrder:
    ((now: Date, lockedUntil: Date, limit: number) => Promise<Claimed[]>) | undefined;
  private readonly release: Statement<never>;
  private readonly sent: Statement<never>;
  private readonly allSent: Statement<never>;
  private readonly retry: Statement<never>;
  private readonly giveUp: Statement<never>;
  private readonly dueNow: Statement<{ id: string }>;
  private readonly purge: Statement<never>;

  constructor(database: Database, shape: OutboxTableShape) {
    const { ordered } = shape;
    const names = [shape.table, ...(shape.sealedColumn ? [shape.sealedColumn] : []), ...shape.claimColumns];
    for (const name of [...names, ...(ordered ? [ordered.key, ...ordered.order] : [])]) {
      if (!IDENTIFIER.test(name)) throw new Error(`not an identifier: ${name}`);
    }
    const table = sql.raw(shape.table);
    const dropSealed = shape.sealedColumn ? sql.raw(`${shape.sealedColumn} = null,`) : sql.raw('');
    const now = sql`${sql.placeholder('now')}::timestamptz`;
    const id = sql`${sql.placeholder('id')}::uuid`;
    this.claim = database.statement(
      `${shape.table}_claim`,
      sql`
        update ${table} set locked_until = ${sql.placeholder('lockedUntil')}::timestamptz
        where id in (
          select candidate.id from ${table} candidate
          where candidate.status = 'pending' and candidate.next_attempt_at <= ${now}
            and (candidate.locked_until is null or candidate.locked_until <= ${now})
          order by candidate.next_attempt_at
          limit ${sql.placeholder('limit')}::int
          for update skip locked
        )
        returning ${sql.raw(shape.claimColumns.join(', '))}
      `,
    );
    this.claimInOrder = ordered && this.orderedClaim(database, shape, ordered);
    this.release = database.statement(
      `${shape.table}_release`,
      sql`update ${table} set locked_until = null where id = any(${sql.placeholder('ids')}::uuid[]) and status = 'pending'`,
    );
    this.sent = database.statement(
      `${shape.table}_sent`,
      sql`
        update ${table}
        set status = 'sent', ${dropSealed} settled_at = ${now}, locked_until = null, attempts = attempts + 1
        where id = ${id}
      `,
    );
    this.allSent = database.statement(
      `${shape.table}_all_sent`,
      sql`
        update ${table}
        set status = 'sent', ${dropSealed} settled_at = ${now}, locked_until = null, attempts = attempts + 1
        where id = any(${sql.placeholder('ids')}::uuid[])
      `,
    );
    this.retry = database.statement(
      `${shape.table}_retry`,
      sql`
        update ${table}
        set last_error = ${sql.placeholder('reason')}::text,
          next_attempt_at = ${sql.placeholder('retryAt')}::timestamptz, locked_until = null, attempts = attempts + 1
        where id = ${id}
      `,
    );
    this.giveUp = database.statement(
      `${shape.table}_failed`,
      sql`
        update ${table}
        set status = 'failed', last_error = ${sql.placeholder('reason')}::text, ${dropSealed}
          settled_at = ${now}, locked_until = null, attempts = attempts + 1
        where id = ${id}
      `,
    );
    this.dueNow = database.statement(
      `${shape.table}_due_now`,
      sql`update ${table} set next_attempt_at = ${now} where id = ${id} and status = 'pending' returning id`,
    );
    this.purge = database.statement(
      `${shape.table}_purge`,
      sql`delete from ${table} where status <> 'pending' and settled_at < ${sql.placeholder('cutoff')}::timestamptz`,
    );
  }

  /**
   * Leases up to `limit` due rows. SKIP LOCKED lets several instances claim side by side without
   * waiting on each other or taking the same row; the lease (not a held transaction) keeps a row
   * claimed while it is delivered, and lapses if its relay dies.
   */
  claimDue(now: Date, leaseSeconds: number, limit: number): Promise<Claimed[]> {
    const lockedUntil = new Date(now.getTime() + leaseSeconds * 1000);
    if (this.claimInOrder) return this.claimInOrder(now, lockedUntil, limit);
    return this.claim({ now, lockedUntil, limit });
  }

  /** Leased rows that were not delivered (a key's later rows after a failure) become claimable again. */
  async releaseLeases(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.release({ ids });
  }

  /**
   * The ordered claim: one transaction that first takes the table's claim lock (so its statement
   * sees every earlier claim's leases committed), then leases due rows in order, skipping any
   * whose key has an earlier pending row that is held back.
   */
  private orderedClaim(
    database: Database,
    shape: OutboxTableShape,
    ordered: NonNullable<OutboxTableShape['ordered']>,
  ): (now: Date, lockedUntil: Date, limit: number) => Promise<Claimed[]> {
    const row = (alias: string) =>
      sql.raw(`(${ordered.order.map((column) => `${alias}.${column}`).join(', ')})`);
    const table = sql.raw(shape.table);
    const key = sql.raw(ordered.key);
    const order = sql.raw(ordered.order.map((column) => `candidate.${column}`).join(', '));
    const columns = sql.raw(shape.claimColumns.join(', '));
    return (now, lockedUntil, limit) =>
      database.transaction(async () => {
        await transactionLock(database, `latchkey:${shape.table}:claim`);
        return database.rows<Claimed>(sql`
          update ${table} set locked_until = ${lockedUntil.toISOString()}::timestamptz
          where id in (
            select candidate.id from ${table} candidate
            where candidate.status = 'pending' and candidate.next_attempt_at <= ${now.toISOString()}::timestamptz
              and (candidate.locked_until is null or candidate.locked_until <= ${now.toISOString()}::timestamptz)
              and not exists (
                select 1 from ${table} earlier
                where earlier.${key} = candidate.${key} and earlier.status = 'pending'
                  and ${row('earlier')} < ${row('candidate')}
                  and (earlier.next_attempt_at > ${now.toISOString()}::timestamptz
                    or earlier.locked_until > ${now.toISOString()}::timestamptz)
              )
            order by ${order}
            limit ${limit}
            for update skip locked
          )
          returning ${columns}
        `);
      });
  }

  async markSent(id: string, now: Date): Promise<void> {
    await this.sent({ id, now });
  }

  async markAllSent(ids: string[], now: Date): Promise<void> {
    await this.allSent({ ids, now });
  }

  /** `retryAt` undefined: given up on (the payload goes). */
  async markFailed(id: string, reason: string, now: Date, retryAt: Date | undefined): Promise<void> {
    await (retryAt ? this.retry({ id, reason, retryAt }) : this.giveUp({ id, reason, now }));
  }

  /** A waiting row (queued, or retrying after a failure) becomes due now; false if not waiting. */
  async retryNow(id: string, now: Date): Promise<boolean> {
    return (await this.dueNow({ id, now })).length > 0;
  }

  async purgeSettledBefore(cutoff: Date): Promise<void> {
    await this.purge({ cutoff });
  }
}
