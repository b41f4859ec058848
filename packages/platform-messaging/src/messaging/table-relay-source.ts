import type { RelayedItem, RelaySource } from './outbox-relay';
import type { OutboxTable } from './outbox-table';

/**
 * A relay source kept in one outbox table: settling, releasing, purging and the backlog are the
 * table's own statements; what differs from one outbox to another is only how a claimed row
 * becomes the item the relay delivers (`claimDue`).
 */
export abstract class TableRelaySource<T extends RelayedItem, Row> implements RelaySource<T> {
  protected constructor(protected readonly table: OutboxTable<Row>) {}

  abstract claimDue(now: Date, leaseSeconds: number, limit: number): Promise<T[]>;

  markSent(id: string, now: Date): Promise<void> {
    return this.table.markSent(id, now);
  }

  markAllSent(ids: string[], now: Date): Promise<void> {
    return this.table.markAllSent(ids, now);
  }

  markFailed(id: string, reason: string, now: Date, retryAt: Date | undefined): Promise<void> {
    return this.table.markFailed(id, reason, now, retryAt);
  }

  release(ids: string[]): Promise<void> {
    return this.table.releaseLeases(ids);
  }

  purgeSettledBefore(cutoff: Date): Promise<void> {
    return this.table.purgeSettledBefore(cutoff);
  }

  /** Rows waiting, and when the oldest was written (metrics). */
  waiting(): Promise<{ depth: number; oldest: Date | undefined }> {
    return this.table.backlog();
  }
}
