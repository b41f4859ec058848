import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import type { Clock } from '@latchkey/shared-kernel';

export interface ThrottleRecord {
  totalHits: number;
  /** Seconds until the window resets. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until a block lifts. */
  timeToBlockExpire: number;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * Fixed windows in this process's memory, on the injectable clock (tests move time). The default
 * with a single instance; several instances need the Redis storage to share counts.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, { hits: number; resetAtMs: number; blockedUntilMs: number }>();

  constructor(private readonly clock: Clock) {}

  async increment(key: string, ttlMs: number, limit: number, blockMs: number): Promise<ThrottleRecord> {
    const nowMs = this.clock.now().getTime();
    if (this.windows.size > 50_000) this.sweep(nowMs);
    let window = this.windows.get(key);
    if (!window || (nowMs >= window.resetAtMs && nowMs >= window.blockedUntilMs)) {
      window = { hits: 0, resetAtMs: nowMs + ttlMs, blockedUntilMs: 0 };
      this.windows.set(key, window);
    }
    if (nowMs < window.blockedUntilMs) {
      return {
        totalHits: window.hits,
        timeToExpire: seconds(window.resetAtMs - nowMs),
        isBlocked: true,
        timeToBlockExpire: seconds(window.blockedUntilMs - nowMs),
      };
    }
    window.hits += 1;
    if (window.hits > limit) window.blockedUntilMs = Math.max(window.resetAtMs, nowMs + blockMs);
    const isBlocked = window.hits > limit;
    return {
      totalHits: window.hits,
      timeToExpire: seconds(window.resetAtMs - nowMs),
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds(window.blockedUntilMs - nowMs) : 0,
    };
  }

  private sweep(nowMs: number): void {
    for (const [key, window] of this.windows) {
      if (nowMs >= window.resetAtMs && nowMs >= window.blockedUntilMs) this.windows.delete(key);
    }
  }
}

// One round trip, atomic: count the hit, start the window on the first one, block past the limit.
const INCREMENT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), 1, blocked}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  local block = math.max(tonumber(ARGV[3]), ttl)
  redis.call('SET', KEYS[2], '1', 'PX', block)
  return {hits, ttl, 1, block}
end
return {hits, ttl, 0, 0}
`;

/** Fixed windows in Redis, shared by every instance (Redis's clock decides the windows). */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttlMs: number, limit: number, blockMs: number): Promise<ThrottleRecord> {
    const base = `${this.prefix}ratelimit:${key}`;
    const [hits, ttl, blocked, blockTtl] = (await this.redis.eval(
      INCREMENT,
      2,
      base,
      `${base}:blocked`,
      ttlMs,
      limit,
      blockMs,
    )) as number[];
    return {
      totalHits: hits!,
      timeToExpire: seconds(ttl!),
      isBlocked: blocked === 1,
      timeToBlockExpire: seconds(blockTtl!),
    };
  }
}
