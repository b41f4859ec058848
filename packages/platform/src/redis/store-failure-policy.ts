import { Injectable, Logger } from '@nestjs/common';
import { ServiceUnavailable } from '@latchkey/shared-kernel';
import { AppConfig } from '../config/app-config';

const RETRY_AFTER_SECONDS = 5;

/**
 * RATE_LIMIT_FAIL_MODE, applied when the counters' store (Redis) cannot be reached. `closed`
 * (default) refuses with 503: guessing passwords must not get easier because Redis is down.
 * `open` lets the request through and logs it. Never a 500.
 */
@Injectable()
export class StoreFailurePolicy {
  private readonly logger = new Logger('AbuseControls');
  private lastWarningMs = 0;

  constructor(private readonly config: AppConfig) {}

  async guard<T>(what: string, work: () => Promise<T>, whenOpen: T): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const nowMs = Date.now();
      if (nowMs - this.lastWarningMs > 10_000) {
        this.lastWarningMs = nowMs;
        this.logger.warn({
          msg: `${what}: counter store unreachable, failing ${this.config.abuse.failMode}`,
          reason: (error as Error).message,
        });
      }
      if (this.config.abuse.failMode === 'open') return whenOpen;
      throw new ServiceUnavailable('Temporarily unable to check request limits', {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
  }
}
