import type { Redis } from 'ioredis';
import { clientKey } from '@latchkey/platform-http';
import { LoginAttemptGate } from '../../application/ports';
import { type AttemptVerdict, type LockoutPolicy, stateRetentionMs } from '../../domain/login-protection';

// domain/login-protection.ts#beginAttempt, run inside Redis so that every instance's attempts on
// one email are counted atomically. Time comes from the caller (the app's clock), not Redis.
// KEYS[1] is the account's hash, KEYS[2] the address's against it. An address's count belongs
// to the account's generation (`gen`): a release starts a new one, which ends every address's
// count at once without finding their keys. An address key is touched only with its account's,
// so it never outlives it (and a generation never restarts under a live address key).
const BEGIN = `
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
local function lockFor(attempt)
  if attempt < threshold then return 0 end
  return math.min(max, base * 2 ^ (attempt - threshold))
end
local a = redis.call('HMGET', KEYS[1], 'attempts', 'lockedUntil', 'reported', 'gen')
local gen = a[4] or '0'
local p = redis.call('HMGET', KEYS[2], 'attempts', 'lockedUntil', 'reported', 'last', 'gen')
if (p[5] or '0') ~= gen then p = {} end
local aAttempts, aLocked, aReported = tonumber(a[1] or '0'), tonumber(a[2] or '0'), tonumber(a[3] or '0')
local pAttempts, pLocked, pReported, pLast =
  tonumber(p[1] or '0'), tonumber(p[2] or '0'), tonumber(p[3] or '0'), tonumber(p[4] or '0')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if now < pLocked then
  redis.call('HSET', KEYS[2], 'reported', pLocked)
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  local first = 0
  if pReported ~= pLocked then first = 1 end
  return {0, math.ceil((pLocked - now) / 1000), first}
end
local nextTurn = pLast + lockFor(aAttempts) * 1000
if now < aLocked and now < nextTurn then
  redis.call('HSET', KEYS[1], 'reported', aLocked)
  local first = 0
  if aReported ~= aLocked then first = 1 end
  return {0, math.ceil((math.min(aLocked, nextTurn) - now) / 1000), first}
end
aAttempts = aAttempts + 1
local lock = lockFor(aAttempts)
local aUntil = 0
if lock > 0 then aUntil = now + lock * 1000 end
pAttempts = pAttempts + 1
local pLock = lockFor(pAttempts)
local pUntil = 0
if pLock > 0 then pUntil = now + pLock * 1000 end
redis.call('HSET', KEYS[1], 'attempts', aAttempts, 'lockedUntil', aUntil)
redis.call('HSET', KEYS[2], 'attempts', pAttempts, 'lockedUntil', pUntil, 'last', now, 'gen', gen)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {1, aAttempts, lock}
`;

// A success: the account's count starts over (its generation stays), and this address's too.
const SUCCEEDED = `
redis.call('HDEL', KEYS[1], 'attempts', 'lockedUntil', 'reported')
redis.call('DEL', KEYS[2])
`;

// A release: the account's count starts over, and a new generation ends every address's.
const RELEASE = `
redis.call('HDEL', KEYS[1], 'attempts', 'lockedUntil', 'reported')
redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
`;

export class RedisLoginAttemptGate extends LoginAttemptGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly policy: LockoutPolicy,
  ) {
    super();
  }

  async begin(email: string, address: string | null, now: Date): Promise<AttemptVerdict> {
    const [allowed, a, b] = (await this.redis.eval(
      BEGIN,
      2,
      this.accountKey(email),
      this.addressKey(email, address),
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

  async succeeded(email: string, address: string | null): Promise<void> {
    await this.redis.eval(SUCCEEDED, 2, this.accountKey(email), this.addressKey(email, address));
  }

  async release(email: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.accountKey(email), stateRetentionMs(this.policy));
  }

  private accountKey(email: string): string {
    return `${this.prefix}login-attempts:${email}`;
  }

  private addressKey(email: string, address: string | null): string {
    return `${this.prefix}login-attempts:${email}\n${clientKey(address ?? undefined)}`;
  }
}
