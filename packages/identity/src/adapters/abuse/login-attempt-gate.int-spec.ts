import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { LoginAttemptGate } from '../../application/ports';
import type { LockoutPolicy } from '../../domain/login-protection';
import { MemoryLoginAttemptGate } from './memory-login-attempt-gate';
import { RedisLoginAttemptGate } from './redis-login-attempt-gate';

/**
 * One contract for both gates: the Lua script in Redis must decide as the domain function does in
 * memory (docs/security.md, progressive account protection).
 */
const policy: LockoutPolicy = { threshold: 3, baseSeconds: 30, maxSeconds: 120 };
const T0 = 1_700_000_000_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const REDIS_URL = process.env.TEST_REDIS_URL;

let redis: Redis | undefined;
beforeAll(() => {
  if (REDIS_URL) redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await redis?.quit();
});

const gates: [string, () => LoginAttemptGate][] = [
  ['memory', () => new MemoryLoginAttemptGate(policy)],
  ...(REDIS_URL
    ? ([
        [
          'redis',
          () => new RedisLoginAttemptGate(redis!, `latchkey-test:${randomBytes(6).toString('hex')}:`, policy),
        ],
      ] as [string, () => LoginAttemptGate][])
    : []),
];

describe.each(gates)('LoginAttemptGate (%s)', (_name, makeGate) => {
  let gate: LoginAttemptGate;
  beforeEach(() => {
    gate = makeGate();
  });

  it('lets N attempts of one address through at once, then refuses it for the window', async () => {
    const verdicts = await Promise.all(
      Array.from({ length: 10 }, () => gate.begin('a@example.com', '198.51.100.1', at(0))),
    );
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(3);
    await expect(gate.begin('a@example.com', '198.51.100.1', at(29))).resolves.toMatchObject({
      allowed: false,
    });
    await expect(gate.begin('a@example.com', '198.51.100.1', at(30))).resolves.toEqual({
      allowed: true,
      attempt: 4,
      lockSeconds: 60,
    });
  });

  it('while the account is locked, every other address still gets one attempt per window', async () => {
    for (let i = 0; i < 3; i++) await gate.begin('a@example.com', '198.51.100.1', at(0));
    await expect(gate.begin('a@example.com', '192.0.2.10', at(1))).resolves.toMatchObject({ allowed: true });
    await expect(gate.begin('a@example.com', '192.0.2.10', at(2))).resolves.toEqual({
      allowed: false,
      retryAfterSeconds: 59, // the account's window is now 60 s, opened at 1 s
      firstRefusal: true,
    });
    await expect(gate.begin('a@example.com', '192.0.2.11', at(2))).resolves.toMatchObject({ allowed: true });
  });

  it('a success clears the account and its own address, not the others', async () => {
    for (let i = 0; i < 3; i++) await gate.begin('a@example.com', '198.51.100.1', at(0));
    await gate.begin('a@example.com', '192.0.2.10', at(1));
    await gate.succeeded('a@example.com', '192.0.2.10');
    await expect(gate.begin('a@example.com', '192.0.2.10', at(2))).resolves.toEqual({
      allowed: true,
      attempt: 1,
      lockSeconds: 0,
    });
    await expect(gate.begin('a@example.com', '198.51.100.1', at(2))).resolves.toMatchObject({
      allowed: false,
    });
  });

  it("a release ends every address's count against the account, and only that account's", async () => {
    for (const ip of ['198.51.100.1', '198.51.100.2'])
      for (let i = 0; i < 3; i++) await gate.begin('a@example.com', ip, at(0));
    for (let i = 0; i < 3; i++) await gate.begin('b@example.com', '198.51.100.1', at(0));
    await gate.release('a@example.com');
    // Both addresses may try again, counted from scratch (the account's count: 1, then 2).
    for (const [i, ip] of ['198.51.100.1', '198.51.100.2'].entries())
      await expect(gate.begin('a@example.com', ip, at(1))).resolves.toEqual({
        allowed: true,
        attempt: i + 1,
        lockSeconds: 0,
      });
    await expect(gate.begin('b@example.com', '198.51.100.1', at(1))).resolves.toMatchObject({
      allowed: false,
    });
  });

  it('counts addresses as the rate limits do: a port a proxy appends makes no new address', async () => {
    for (let i = 0; i < 3; i++) await gate.begin('a@example.com', `198.51.100.1:${40_000 + i}`, at(0));
    await expect(gate.begin('a@example.com', '198.51.100.1', at(1))).resolves.toMatchObject({
      allowed: false,
    });
  });
});
