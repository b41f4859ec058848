import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * The Redis client when REDIS_URL is set. Commands fail within half a second while Redis is down
 * (no offline queue, no retries per command), so callers apply RATE_LIMIT_FAIL_MODE instead of
 * hanging; the client keeps reconnecting in the background and recovers by itself.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | undefined;
  readonly keyPrefix: string;

  constructor(config: AppConfig) {
    this.keyPrefix = config.redis.keyPrefix;
    if (!config.redis.url) return;
    this.client = new Redis(withPassword(config.redis.url, config.redis.password), {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      commandTimeout: 500,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      lazyConnect: false,
    });
    let down = false;
    this.client.on('error', (error: Error) => {
      if (!down) this.logger.warn({ msg: 'redis unavailable', reason: error.message });
      down = true;
    });
    this.client.on('ready', () => {
      if (down) this.logger.log('redis available again');
      down = false;
    });
  }

  /**
   * Resolves once the client is connected, or after `timeoutMs` (false: still not). Commands fail
   * at once while it is not (no offline queue): a process whose first request follows its start
   * at once (a Lambda cold start), or whose connection dropped while it was frozen, waits here
   * first rather than answer that request with RATE_LIMIT_FAIL_MODE.
   */
  ready(timeoutMs: number): Promise<boolean> {
    const client = this.client;
    if (!client || client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      client.once('ready', onReady);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => this.client?.disconnect());
  }
}

/**
 * REDIS_PASSWORD in the URL's place for it: ioredis lets a URL's (even empty) password win over a
 * `password` option, so the token goes where it will be read.
 */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}
