import type { LambdaEnvironment } from '../lambda-environment';

export interface PoolOptions {
  /** Makes one execution environment: the handler module's init. */
  create: () => Promise<LambdaEnvironment>;
  /** A fresh environment for every request (each one a cold start), retired after it. */
  fresh?: boolean;
  /**
   * Concurrent environments at most (Lambda's reserved concurrency, which also bounds the
   * database connections: two each); a request beyond waits for one. Default 8.
   */
  maxEnvironments?: number;
}

export interface Invocation {
  environment: LambdaEnvironment;
  /** The environment's init, when this invocation had to make one (a cold start). */
  initMs: number | undefined;
}

/**
 * Execution environments as Lambda keeps them: a request takes an idle environment (the one used
 * last, warmest) or, with none idle, makes a new one (a cold start); an environment serves one
 * request at a time and is idle again only once the work after its response is done.
 */
export class EnvironmentPool {
  private readonly idle: LambdaEnvironment[] = [];
  private readonly all = new Set<Promise<LambdaEnvironment>>();
  private readonly waiting: Array<(environment: LambdaEnvironment) => void> = [];
  private readonly max: number;
  private closed = false;
  private made = 0;
  private inits: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private quiet: Array<() => void> = [];

  constructor(private readonly options: PoolOptions) {
    this.max = options.maxEnvironments ?? 8;
  }

  /** How many environments exist (idle or busy). */
  get size(): number {
    return this.all.size;
  }

  /** How many environments were made since the start (each one an init, a cold start). */
  get initCount(): number {
    return this.made;
  }

  /** Makes one environment ahead of the first request (started with the harness: its init problems show at once). */
  async warm(): Promise<LambdaEnvironment> {
    const environment = await this.make();
    this.idle.push(environment);
    return environment;
  }

  /** Resolves when no environment is busy (each invocation and the work after it done). */
  quiescent(): Promise<void> {
    return this.busy === 0 ? Promise.resolve() : new Promise((resolve) => this.quiet.push(resolve));
  }

  async acquire(): Promise<Invocation> {
    if (this.closed) throw new Error('the pool is closed');
    this.busy += 1;
    try {
      return await this.take();
    } catch (error) {
      this.done();
      throw error;
    }
  }

  private async take(): Promise<Invocation> {
    if (!this.options.fresh) {
      const warm = this.idle.pop();
      if (warm) return { environment: warm, initMs: undefined };
    }
    if (this.all.size >= this.max) {
      return { environment: await new Promise((resolve) => this.waiting.push(resolve)), initMs: undefined };
    }
    const started = performance.now();
    const environment = await this.make();
    return { environment, initMs: performance.now() - started };
  }

  /** After the invocation and the work after its response. */
  async release(environment: LambdaEnvironment): Promise<void> {
    try {
      await this.handOver(environment);
    } finally {
      this.done();
    }
  }

  private done(): void {
    this.busy -= 1;
    if (this.busy > 0) return;
    for (const resolve of this.quiet.splice(0)) resolve();
  }

  private async handOver(environment: LambdaEnvironment): Promise<void> {
    const next = this.waiting.shift();
    if (next && !this.options.fresh) return next(environment);
    if (this.options.fresh || this.closed) {
      await this.retire(environment);
      if (next) next(await this.make());
      return;
    }
    this.idle.push(environment);
  }

  /** Takes no more requests, lets those in flight finish (and their work after), then shuts each environment down. */
  async close(): Promise<void> {
    this.closed = true;
    await this.quiescent();
    const environments = await Promise.allSettled([...this.all]);
    await Promise.all(
      environments.map((made) => (made.status === 'fulfilled' ? made.value.close() : undefined)),
    );
    this.all.clear();
    this.idle.length = 0;
  }

  /**
   * One init at a time: on Lambda each environment has a CPU of its own, here they share one event
   * loop, and a dozen inits at once would hold up the environments already serving (their
   * database connections time out behind them).
   */
  private make(): Promise<LambdaEnvironment> {
    this.made += 1;
    const made = this.inits.then(() => this.options.create());
    this.inits = made.catch(() => undefined);
    this.all.add(made);
    made.catch(() => this.all.delete(made));
    return made;
  }

  private async retire(environment: LambdaEnvironment): Promise<void> {
    for (const made of this.all) if ((await made) === environment) this.all.delete(made);
    await environment.close();
  }
}
