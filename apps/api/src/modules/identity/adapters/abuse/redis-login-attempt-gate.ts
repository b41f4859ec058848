import type { Redis } from 'ioredis';
import { LoginAttemptGate } from '../../application/ports';
import { type AttemptVerdict, type LockoutPolicy, stateRetentionMs } from '../../domain/login-protection';

// domain/login-protection.ts#beginAttempt, run inside Redis so that every instance's attempts on
// one email are counted atomically. Time comes from the caller (the app's clock), not Redis.
const BEGIN = `
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
local locked = tonumber(redis.call('HGET', KEYS[1], 'lockedUntil') or '0')
local reported = tonumber(redis.call('HGET', KEYS[1], 'reported') or '0')
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if now < locked then
  redis.call('HSET', KEYS[1], 'reported', locked)
  local first = 0
  if reported ~= locked then first = 1 end
  return {0, math.ceil((locked - now) / 1000), first}
end
attempts = attempts + 1
local lock = 0
if attempts >= threshold then lock = math.min(max, base * 2 ^ (attempts - threshold)) end
local until_ms = 0
if lock > 0 then until_ms = now + lock * 1000 end
redis.call('HSET', KEYS[1], 'attempts', attempts, 'lockedUntil', until_ms)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, attempts, lock}
`;

export class RedisLoginAttemptGate extends LoginAttemptGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly policy: LockoutPolicy,
  ) {
    super();
  }

  async begin(email: string, now: Date): Promise<AttemptVerdict> {
    const [allowed, a, b] = (await this.redis.eval(
      BEGIN,
      1,
      this.keyOf(email),
      now.getTime(),
      this.policy.threshold,
      this.policy.baseSeconds,
      this.policy.maxSeconds,
      stateRetentionMs(this.policy),
    )) as number[];
    return allowed === 1
      ? { allowed: true, attempt: a!, lockSeconds: b! }
      : { allowed: false, retryAfterSeconds: a!, firstRefusal: b === 1 };
  }

  async succeeded(email: string): Promise<void> {
    await this.redis.del(this.keyOf(email));
  }

  private keyOf(email: string): string {
    return `${this.prefix}login-attempts:${email}`;
  }
}
