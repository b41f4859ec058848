import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { tryTransactionLock } from '../database/transaction-lock';
import { Metrics } from '../observability/metrics';
import { inSpan } from '../observability/spans';
import type { Counter } from 'prom-client';

/** One kind of clean-up a module contributes (expired sessions, spent secrets, …). */
export interface CleanupTask {
  /** What it removes, in log lines and reports: `sessions.expired`, `idempotency.expired`… */
  name: string;
  /**
   * Removes (or settles) at most `limit` rows, in the transaction it is called in, and returns
   * how many. `retentionCutoff`: rows that ended before it may go (CLEANUP_RETENTION).
   */
  runBatch(batch: { now: Date; retentionCutoff: Date; limit: number }): Promise<number>;
}

export interface CleanupReport {
  /** False when another instance was cleaning up: this run left it to that one. */
  ran: boolean;
  removed: Record<string, number>;
  batches: number;
}

const LOCK = 'latchkey:cleanup';

/**
 * The scheduled clean-up: the modules register their tasks here, and a run takes them one after
 * another, batch after batch (CLEANUP_BATCH rows each), until each has nothing left. Every batch
 * is one short transaction holding a cluster-wide advisory lock, so two instances never clean up
 * at once, nothing waits on a long transaction, and a crash loses at most the batch in hand (it
 * rolls back; the next run takes it again).
 */
@Injectable()
export class Cleanup {
  private readonly tasks: CleanupTask[] = [];

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  register(task: CleanupTask): void {
    if (this.tasks.some((registered) => registered.name === task.name)) return;
    this.tasks.push(task);
  }

  get taskNames(): string[] {
    return this.tasks.map((task) => task.name);
  }

  async run(): Promise<CleanupReport> {
    const { batch: limit, retentionSeconds } = this.config.cleanup;
    const report: CleanupReport = { ran: false, removed: {}, batches: 0 };
    for (const task of this.tasks) {
      report.removed[task.name] = 0;
      for (;;) {
        const now = this.clock.now();
        const retentionCutoff = new Date(now.getTime() - retentionSeconds * 1000);
        const removed = await this.database.transaction(async () => {
          if (!(await tryTransactionLock(this.database, LOCK))) return undefined;
          return task.runBatch({ now, retentionCutoff, limit });
        });
        if (removed === undefined) return report; // another instance is at it
        report.ran = true;
        report.batches += 1;
        report.removed[task.name]! += removed;
        if (removed < limit) break;
      }
    }
    return report;
  }
}

/** Runs the clean-up every CLEANUP_INTERVAL on the API server (not in operator commands). */
@Injectable()
export class CleanupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Cleanup');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  private readonly removed: Counter<'task'>;
  private readonly runs: Counter<'outcome'>;

  constructor(
    private readonly cleanup: Cleanup,
    private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    this.removed = metrics.counter(
      'latchkey_cleanup_removed_total',
      'Rows the scheduled clean-up removed, by task',
      ['task'],
    );
    this.runs = metrics.counter(
      'latchkey_cleanup_runs_total',
      'Scheduled clean-up runs: ran, skipped (another instance held the lock) or failed',
      ['outcome'],
    );
    for (const outcome of ['ran', 'skipped', 'failed']) this.runs.inc({ outcome }, 0);
  }

  onApplicationBootstrap(): void {
    const { intervalSeconds } = this.config.cleanup;
    if (intervalSeconds === 0) return;
    this.timer = setInterval(() => void this.tick(), intervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run, unless one is under way here; logs what it removed. */
  async tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = inSpan('cleanup.run', () => this.cleanup.run(), { root: true })
      .then((report) => {
        this.runs.inc({ outcome: report.ran ? 'ran' : 'skipped' });
        for (const [task, count] of Object.entries(report.removed)) this.removed.inc({ task }, count);
        const total = Object.values(report.removed).reduce((sum, n) => sum + n, 0);
        if (total > 0)
          this.logger.log({ msg: 'cleaned up', removed: report.removed, batches: report.batches });
      })
      .catch((error: Error) => {
        this.runs.inc({ outcome: 'failed' });
        this.logger.error({ msg: 'clean-up failed', reason: error.message });
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
