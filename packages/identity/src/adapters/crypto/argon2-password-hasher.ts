import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { argon2id, hash, type HashOptions, needsRehash, verify } from 'argon2';
import type { Histogram } from 'prom-client';
import { inSpan, Metrics } from '@latchkey/platform';
import { PasswordHasher } from '../../application/ports';
import { Semaphore } from './semaphore';

export interface Argon2Parameters {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  maxConcurrency: number;
}

type Operation = 'hash' | 'verify';

/** Seconds: from no wait at all to a burst queued several hashes deep. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * argon2id. Hashes run on libuv's thread pool, which jose and fs share: a semaphore caps how many
 * run at once, so a login burst queues here instead of stalling token signing for everyone else.
 * That queue is what an operator must see during a burst: each run is a span (`argon2.verify`,
 * `argon2.hash`) carrying its wait, and the wait and queue depth are metrics.
 */
export class Argon2PasswordHasher extends PasswordHasher {
  private readonly options: HashOptions & { raw?: false };
  private readonly semaphore: Semaphore;
  /** A hash with today's parameters, so the wasted verification costs what a real one does. */
  private readonly dummyHash: Promise<string>;
  private readonly waits: Histogram<'operation'>;
  private readonly durations: Histogram<'operation'>;

  constructor(parameters: Argon2Parameters, metrics: Metrics = new Metrics(false)) {
    super();
    this.options = {
      type: argon2id,
      memoryCost: parameters.memoryKib,
      timeCost: parameters.timeCost,
      parallelism: parameters.parallelism,
    };
    this.semaphore = new Semaphore(parameters.maxConcurrency);
    this.waits = metrics.histogram(
      'latchkey_password_hash_wait_seconds',
      'Time a password hash or verification waited for a slot (PASSWORD_HASH_CONCURRENCY)',
      WAIT_BUCKETS,
      ['operation'],
    );
    this.durations = metrics.histogram(
      'latchkey_password_hash_duration_seconds',
      'Time an argon2 hash or verification ran, once it had its slot',
      WAIT_BUCKETS,
      ['operation'],
    );
    const semaphore = this.semaphore;
    metrics.gauge(
      'latchkey_password_hash_queue_depth',
      'Password hashes waiting for a slot now',
      [],
      (gauge) => gauge.set(semaphore.queued),
    );
    // Computed at start-up: made lazily, the first unknown-email login would cost an extra hash.
    this.dummyHash = this.hash(randomBytes(32).toString('base64url'));
  }

  hash(plain: string): Promise<string> {
    return this.queued('hash', () => hash(plain, this.options));
  }

  async verify(stored: string, plain: string): Promise<{ ok: boolean; needsRehash: boolean }> {
    let ok: boolean;
    try {
      ok = await this.queued('verify', () => verify(stored, plain));
    } catch {
      return { ok: false, needsRehash: false }; // an unparsable stored hash never authenticates
    }
    return { ok, needsRehash: ok && needsRehash(stored, this.options) };
  }

  async verifyDummy(plain: string): Promise<void> {
    await this.verify(await this.dummyHash, plain);
  }

  private queued<T>(operation: Operation, work: () => Promise<T>): Promise<T> {
    return inSpan(`argon2.${operation}`, (span) => {
      const queuedAt = performance.now();
      let startedAt = queuedAt;
      return this.semaphore
        .run(work, () => {
          startedAt = performance.now();
          const waited = (startedAt - queuedAt) / 1000;
          span.setAttribute('latchkey.password_hash.queue_wait_seconds', waited);
          this.waits.observe({ operation }, waited);
        })
        .finally(() => this.durations.observe({ operation }, (performance.now() - startedAt) / 1000));
    });
  }
}
