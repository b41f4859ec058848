import type { Span } from '@opentelemetry/api';
import type { Clock } from '@latchkey/shared-kernel';
import { inSpan } from '@latchkey/platform';

/** A row claimed from an outbox, its payload unsealed. */
export interface RelayedItem {
  id: string;
  /** Deliveries tried before this one. */
  attempts: number;
  /** Items of one key are delivered one after another, in claim order (an ordered outbox). */
  orderingKey?: string;
}

/** What the relay needs from an outbox (OutboxTable plus the owner's unsealing). */
export interface RelaySource<T extends RelayedItem> {
  claimDue(now: Date, leaseSeconds: number, limit: number): Promise<T[]>;
  markSent(id: string, now: Date): Promise<void>;
  /** Settles several delivered rows in one statement (the concurrent relay's batches). */
  markAllSent?(ids: string[], now: Date): Promise<void>;
  markFailed(id: string, reason: string, now: Date, retryAt: Date | undefined): Promise<void>;
  /** Leased items that were not tried (a key's later items after a failure) become claimable. */
  release?(ids: string[]): Promise<void>;
  purgeSettledBefore(cutoff: Date): Promise<void>;
}

/** Exponential backoff: `retryBaseSeconds` doubling per attempt, capped, jittered, up to `maxAttempts`. */
export interface RetryPolicy {
  maxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
}

/** A delivery failure; `permanent` (an SMTP 5xx, a message the broker refuses) gives up at once. */
export class DeliveryFailed extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryFailed';
  }
}

export interface RelayLog {
  info(fields: Record<string, unknown>): void;
  warn(fields: Record<string, unknown>): void;
  error(fields: Record<string, unknown>): void;
}

/** What a relay reports for metrics (outboxMetrics). */
export interface RelayCounters {
  delivered(count: number): void;
  failed(givenUp: boolean): void;
}

export interface OutboxRelayOptions<T extends RelayedItem> {
  /** What is relayed, in log lines: `email`, `event`. */
  what: string;
  source: RelaySource<T>;
  deliver(item: T): Promise<void>;
  /** Log fields naming an item (never its payload). */
  describe(item: T): Record<string, unknown>;
  retry: RetryPolicy;
  clock: Clock;
  log: RelayLog;
  batch?: number;
  /** Longer than any delivery can take: a lease that lapses lets another relay try. */
  leaseSeconds?: number;
  /** Settled rows are kept this long for operators, then purged. */
  retentionMs?: number;
  random?: () => number;
  /**
   * Deliver a batch's items side by side rather than one after another (the event relay: the
   * broker confirms them as a stream). Items of one `orderingKey` still go one after another, and
   * after a failure the key's later items are released undelivered.
   */
  concurrent?: boolean;
  /**
   * Wait this long after a nudge before starting a pass, so the commits of a busy moment share
   * one pass (one claim, one settle) instead of one each. 0: at once (mail).
   */
  nudgeDelayMs?: number;
  /**
   * After a pass with a failed delivery, the relay itself backs off (the item's policy, over the
   * number of failed passes in a row) and ignores nudges meanwhile: a broker that is down is not
   * asked again by every commit.
   */
  pauseOnFailure?: boolean;
  counters?: RelayCounters;
}

const PURGE_EVERY_MS = 3600 * 1000;

/**
 * Drains an outbox: a pass claims due rows in batches and delivers each, at once when nudged
 * (after a commit that queued something) and on a poll for retries and rows other instances
 * queued. A failed delivery is retried with backoff until the policy gives up. One pass runs at a
 * time; a nudge during a pass makes it go round once more. Nothing here reaches a request.
 */
export class OutboxRelay<T extends RelayedItem> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPurge = 0;
  private pausedUntil = 0;
  private scheduled: Promise<void> | undefined;
  private failedPasses = 0;
  private readonly batch: number;
  private readonly leaseSeconds: number;
  private readonly retentionMs: number;
  private readonly random: () => number;

  constructor(private readonly options: OutboxRelayOptions<T>) {
    this.batch = options.batch ?? 10;
    this.leaseSeconds = options.leaseSeconds ?? 120;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.random = options.random ?? Math.random;
  }

  start(pollIntervalMs: number): void {
    this.timer = setInterval(() => this.nudge(), pollIntervalMs);
    this.timer.unref();
    this.nudge();
  }

  /** No new pass; waits for the running one. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.scheduled;
    await this.running;
  }

  /**
   * Starts a pass (after `nudgeDelayMs`, sharing it with the nudges meanwhile) unless one is
   * running; then that one goes round once more.
   */
  nudge(): void {
    if (this.stopped || this.options.clock.now().getTime() < this.pausedUntil) return;
    if ((this.options.nudgeDelayMs ?? 0) === 0) return this.startPass();
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule();
  }

  /**
   * A pass `nudgeDelayMs` from now, unless one is already due. A nudge during a pass waits for it
   * to end and then for the delay too: under steady load, passes starting back to back would
   * each take the few rows committed during the one before (measured: 29 claims a second of 17
   * events each at 570 refreshes a second, every claim a transaction of its own).
   */
  private schedule(): void {
    const delay = this.options.nudgeDelayMs ?? 0;
    this.scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, delay).unref()).then(() => {
      this.scheduled = undefined;
      this.startPass();
    });
  }

  private startPass(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: Error) =>
        this.options.log.warn({ msg: `${this.options.what} outbox pass failed`, reason: error.message }),
      )
      .finally(() => {
        this.running = undefined;
        if (!this.again) return;
        this.again = false;
        // A pass that failed has paused the relay: the nudges during it wait for the poll too.
        if (this.options.clock.now().getTime() < this.pausedUntil) return;
        if ((this.options.nudgeDelayMs ?? 0) === 0) this.startPass();
        else this.schedule();
      });
  }

  /** Resolves once every row due now has been tried (tests and the shutdown path wait on it). */
  async idle(): Promise<void> {
    while (this.scheduled || this.running) {
      await this.scheduled;
      await this.running;
    }
  }

  /** When to try again after `attempts` failed deliveries; undefined: give up. */
  retryAt(attempts: number, permanent: boolean): Date | undefined {
    const { maxAttempts, retryBaseSeconds, retryMaxSeconds } = this.options.retry;
    if (permanent || attempts >= maxAttempts) return undefined;
    const ceiling = Math.min(retryMaxSeconds, retryBaseSeconds * 2 ** (attempts - 1));
    // Half fixed, half random: relays retrying after one outage do not all come back at once.
    const delaySeconds = ceiling / 2 + (this.random() * ceiling) / 2;
    return new Date(this.options.clock.now().getTime() + delaySeconds * 1000);
  }

  private async pass(): Promise<void> {
    const { source, clock, what } = this.options;
    const first = await source.claimDue(clock.now(), this.leaseSeconds, this.batch);
    // A pass that finds nothing (most polls) leaves no trace; one that relays is its own trace.
    if (first.length > 0) {
      await inSpan(`${what}.outbox.relay`, (span) => this.drain(first, span), {
        root: true,
        attributes: { 'latchkey.outbox': what },
      });
    }
    const now = clock.now().getTime();
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      await source.purgeSettledBefore(new Date(now - this.retentionMs));
    }
  }

  private async drain(first: T[], span: Span): Promise<void> {
    const { source, clock } = this.options;
    let relayed = 0;
    for (let batch = first; ; batch = await source.claimDue(clock.now(), this.leaseSeconds, this.batch)) {
      relayed += batch.length;
      span.setAttribute('latchkey.outbox.claimed', relayed);
      const delivered = this.options.concurrent
        ? await this.relayTogether(batch)
        : await sequentially(batch, (item) => this.relay(item));
      if (this.options.pauseOnFailure && delivered.includes(false)) {
        this.failedPasses += 1;
        const resumeAt = this.retryAt(Math.min(this.failedPasses, 30), false);
        this.pausedUntil = resumeAt?.getTime() ?? 0;
        return;
      }
      if (batch.length > 0) this.failedPasses = 0;
      if (batch.length < this.batch || this.stopped) return;
    }
  }

  /**
   * Delivers side by side (a key's items one after another, stopping at its first failure and
   * releasing the rest), then settles what was delivered in one statement when the source can.
   */
  private async relayTogether(batch: T[]): Promise<boolean[]> {
    const { source, clock } = this.options;
    const mark = !source.markAllSent;
    const byKey = new Map<string, T[]>();
    for (const item of batch) {
      const key = item.orderingKey ?? item.id;
      byKey.set(key, [...(byKey.get(key) ?? []), item]);
    }
    const outcome = new Map<T, boolean>();
    const untried: string[] = [];
    await Promise.all(
      [...byKey.values()].map(async (items) => {
        for (const [i, item] of items.entries()) {
          const delivered = await this.relay(item, mark);
          outcome.set(item, delivered);
          if (!delivered) {
            untried.push(...items.slice(i + 1).map((rest) => rest.id));
            return;
          }
        }
      }),
    );
    const ids = batch.filter((item) => outcome.get(item)).map((item) => item.id);
    if (!mark && ids.length > 0) {
      await source.markAllSent!(ids, clock.now());
      this.options.counters?.delivered(ids.length);
    }
    if (untried.length > 0) await source.release?.(untried);
    return batch.map((item) => outcome.get(item) ?? false);
  }

  /** True once delivered (and marked, unless `mark` is false); false after a failure (recorded). */
  private async relay(item: T, mark = true): Promise<boolean> {
    const { what, source, clock, log } = this.options;
    const fields = { ...this.options.describe(item), attempt: item.attempts + 1 };
    try {
      await this.options.deliver(item);
    } catch (error) {
      const failure =
        error instanceof DeliveryFailed ? error : new DeliveryFailed((error as Error).message, false);
      const retryAt = this.retryAt(item.attempts + 1, failure.permanent);
      await source.markFailed(item.id, failure.message, clock.now(), retryAt);
      this.options.counters?.failed(retryAt === undefined);
      if (retryAt)
        log.warn({ msg: `${what} send failed; will retry`, ...fields, reason: failure.message, retryAt });
      else log.error({ msg: `${what} send failed; giving up`, ...fields, reason: failure.message });
      return false;
    }
    if (mark) {
      await source.markSent(item.id, clock.now());
      this.options.counters?.delivered(1);
    }
    log.info({ msg: `${what} sent`, ...fields });
    return true;
  }
}

async function sequentially<T>(items: T[], run: (item: T) => Promise<boolean>): Promise<boolean[]> {
  const results: boolean[] = [];
  for (const item of items) results.push(await run(item));
  return results;
}
