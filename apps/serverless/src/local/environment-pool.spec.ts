import type { LambdaEnvironment } from '../lambda-environment';
import { EnvironmentPool } from './environment-pool';

/** Environments that are only names: the pool's bookkeeping is what is under test. */
function fakes(): { create: () => Promise<LambdaEnvironment>; closed: string[] } {
  let made = 0;
  const closed: string[] = [];
  return {
    closed,
    create: () => {
      const name = `env-${++made}`;
      return Promise.resolve({
        name,
        close: () => Promise.resolve(void closed.push(name)),
      } as unknown as LambdaEnvironment);
    },
  };
}

const nameOf = (environment: LambdaEnvironment) => (environment as unknown as { name: string }).name;

describe('EnvironmentPool (Lambda execution environments, locally)', () => {
  it('reuses the idle environment used last, and makes one (a cold start) only when none is idle', async () => {
    const pool = new EnvironmentPool({ ...fakes() });
    await pool.warm();
    const first = await pool.acquire();
    expect(first.initMs).toBeUndefined();
    const second = await pool.acquire(); // the first is busy: a cold start
    expect(second.initMs).toEqual(expect.any(Number));
    expect([nameOf(first.environment), nameOf(second.environment)]).toEqual(['env-1', 'env-2']);
    await pool.release(first.environment);
    await pool.release(second.environment);
    expect(nameOf((await pool.acquire()).environment)).toBe('env-2'); // the warmest
    expect(pool.initCount).toBe(2);
  });

  it('makes no more than its maximum: a request beyond waits for the next environment released', async () => {
    const pool = new EnvironmentPool({ ...fakes(), maxEnvironments: 1 });
    const busy = await pool.acquire();
    let waited: LambdaEnvironment | undefined;
    const waiting = pool.acquire().then((invocation) => (waited = invocation.environment));
    await new Promise((resolve) => setImmediate(resolve));
    expect(waited).toBeUndefined();
    await pool.release(busy.environment);
    await waiting;
    expect(nameOf(waited!)).toBe('env-1');
    expect(pool.size).toBe(1);
  });

  it('fresh: every request has a new environment, retired after it', async () => {
    const { create, closed } = fakes();
    const pool = new EnvironmentPool({ create, fresh: true });
    for (let i = 0; i < 3; i++) {
      const { environment, initMs } = await pool.acquire();
      expect(initMs).toEqual(expect.any(Number));
      await pool.release(environment);
    }
    expect(closed).toEqual(['env-1', 'env-2', 'env-3']);
    expect(pool.size).toBe(0);
  });

  it('is quiescent once every invocation is released, and closes only then', async () => {
    const { create, closed } = fakes();
    const pool = new EnvironmentPool({ create });
    const { environment } = await pool.acquire();
    let quiet = false;
    const quiescent = pool.quiescent().then(() => (quiet = true));
    const closing = pool.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect([quiet, closed]).toEqual([false, []]);
    await pool.release(environment);
    await Promise.all([quiescent, closing]);
    expect(closed).toEqual(['env-1']);
    await expect(pool.acquire()).rejects.toThrow('the pool is closed');
  });
});
