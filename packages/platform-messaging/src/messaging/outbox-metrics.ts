import type { Metrics } from '@latchkey/platform';
import type { Clock } from '@latchkey/shared-kernel';
import type { RelayCounters } from './outbox-relay';

export interface OutboxMetricNames {
  /** The `outbox` label of the shared counters: `email`, `event`. */
  outbox: string;
  depth: string;
  /** Age of the oldest waiting row: for events, the relay's lag behind the commits. */
  oldestAge: string;
}

/**
 * An outbox's gauges (rows waiting, age of the oldest, refreshed every METRICS_REFRESH_INTERVAL)
 * and the counters its relay moves (delivered, failed and retried, given up on).
 */
export function outboxMetrics(
  metrics: Metrics,
  names: OutboxMetricNames,
  backlog: () => Promise<{ depth: number; oldest: Date | undefined }>,
  clock: Clock,
): RelayCounters {
  if (metrics.exported) {
    const depth = metrics.gauge(
      names.depth,
      `Rows waiting in the ${names.outbox} outbox (queued or retrying)`,
    );
    const age = metrics.gauge(
      names.oldestAge,
      `Seconds since the oldest waiting row of the ${names.outbox} outbox was written (0: none waiting)`,
    );
    metrics.refreshPeriodically(async () => {
      const { depth: rows, oldest } = await backlog();
      depth.set(rows);
      age.set(oldest ? Math.max(0, (clock.now().getTime() - oldest.getTime()) / 1000) : 0);
    });
  }
  const delivered = metrics.counter('latchkey_outbox_delivered_total', 'Outbox rows delivered', ['outbox']);
  const failures = metrics.counter(
    'latchkey_outbox_failures_total',
    'Outbox deliveries that failed, by what followed: a retry later, or giving up',
    ['outbox', 'outcome'],
  );
  const outbox = names.outbox;
  delivered.inc({ outbox }, 0);
  failures.inc({ outbox, outcome: 'retry' }, 0);
  failures.inc({ outbox, outcome: 'given_up' }, 0);
  return {
    delivered: (count) => delivered.inc({ outbox }, count),
    failed: (givenUp) => failures.inc({ outbox, outcome: givenUp ? 'given_up' : 'retry' }),
  };
}
