import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';

type Labels<L extends string> = readonly L[];

/**
 * The process's metrics, exported in Prometheus text format on METRICS_PORT (MetricsEndpoint).
 * One registry per application instance rather than prom-client's global one, so the tests'
 * several instances in one process each count their own. A metric is created by its first
 * user and shared with any later one asking for the same name (the login counter is moved by
 * the use case and by the rate limiter). Names: `latchkey_` + Prometheus conventions
 * (docs/observability.md lists them all).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly refreshers: (() => Promise<void>)[] = [];

  constructor(
    /** Whether anything scrapes this process (METRICS_PORT set): gauges that cost a query refresh only then. */
    readonly exported: boolean,
  ) {
    // The Node runtime's own metrics under their usual names (process_*, nodejs_*), which the
    // community's Node dashboards read; only when exported, as they install observers.
    if (exported) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string = never>(name: string, help: string, labelNames: Labels<L> = []): Counter<L> {
    return this.reuse(name, () => new Counter({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: Labels<L> = [],
    collect?: (gauge: Gauge<L>) => void,
  ): Gauge<L> {
    return this.reuse(
      name,
      () =>
        new Gauge<L>({
          name,
          help,
          labelNames,
          registers: [this.registry],
          ...(collect && {
            collect(this: Gauge<L>) {
              collect(this);
            },
          }),
        }),
    );
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: Labels<L> = [],
  ): Histogram<L> {
    return this.reuse(
      name,
      () => new Histogram({ name, help, labelNames, buckets, registers: [this.registry] }),
    );
  }

  /**
   * Gauges read from the database (active sessions, outbox depths) are refreshed on an interval
   * by MetricsEndpoint, not per scrape: a scrape must stay cheap however often it comes.
   */
  refreshPeriodically(refresh: () => Promise<void>): void {
    this.refreshers.push(refresh);
  }

  /** Runs every refresher once; one that fails leaves its gauges at their last value. */
  async refresh(): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled(this.refreshers.map((refresh) => refresh()));
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private reuse<M extends Metric>(name: string, create: () => M): M {
    return (this.registry.getSingleMetric(name) as M | undefined) ?? create();
  }
}
