import { ServiceUnavailable } from '@latchkey/shared-kernel';
import { type Database, loadPlatformConfig, type RedisConnection } from '@latchkey/platform';
import type { EventPublisher, MailTransport } from '@latchkey/platform-messaging';
import { HealthController } from './health.controller';

const up = async () => undefined;
const refused = async () => {
  throw new Error('connect ECONNREFUSED 10.0.0.7:6379');
};
const hangs = () => new Promise<void>(() => undefined);

interface Setup {
  database?: () => Promise<void>;
  redis?: () => Promise<unknown>;
  smtp?: () => Promise<void>;
  broker?: () => Promise<void>;
  env?: Record<string, string>;
}

function controller({ database = up, redis, smtp, broker, env = {} }: Setup): HealthController {
  const config = loadPlatformConfig({ NODE_ENV: 'test', ...env });
  return new HealthController(
    { ping: database } as unknown as Database,
    { client: redis && { ping: redis } } as unknown as RedisConnection,
    (smtp ? { name: 'smtp', verify: smtp } : { name: 'log', verify: up }) as unknown as MailTransport,
    config,
    broker ? ({ name: 'amqp', verify: broker } as unknown as EventPublisher) : null,
  );
}

async function refusal(promise: Promise<unknown>): Promise<ServiceUnavailable> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceUnavailable) return error;
    throw error;
  }
  throw new Error('was ready');
}

describe('HealthController', () => {
  it('is ready when the database answers, and names only what is configured', async () => {
    await expect(controller({}).ready()).resolves.toEqual({ status: 'ready', checks: { database: 'up' } });
    await expect(controller({ redis: up, smtp: up }).ready()).resolves.toEqual({
      status: 'ready',
      checks: { database: 'up', redis: 'up', smtp: 'up' },
    });
  });

  it('is unavailable, with Retry-After, when the database fails or times out', async () => {
    for (const database of [refused, hangs]) {
      const error = await refusal(controller({ database }).ready());
      expect(error).toMatchObject({ retryAfterSeconds: 5, message: 'Not ready: database down' });
    }
  });

  it('is unavailable naming redis when Redis is down and limits fail closed; nothing of its address', async () => {
    const error = await refusal(controller({ redis: refused }).ready());
    expect(error.message).toBe('Not ready: redis down');
    expect(error.details).toEqual([{ field: 'redis', message: 'unreachable' }]);
    expect(JSON.stringify(error.details)).not.toContain('10.0.0.7');

    const slow = await refusal(controller({ redis: hangs, database: hangs }).ready());
    expect(slow.details).toEqual([
      { field: 'database', message: 'no answer within 1000 ms' },
      { field: 'redis', message: 'no answer within 500 ms' },
    ]);
  });

  it('only reports Redis down when limits fail open (requests still pass then)', async () => {
    await expect(
      controller({ redis: refused, env: { RATE_LIMIT_FAIL_MODE: 'open' } }).ready(),
    ).resolves.toEqual({ status: 'ready', checks: { database: 'up', redis: 'down' } });
  });

  it('reports the SMTP relay without failing on it, and asks it at most every 30 s', async () => {
    const smtp = jest.fn(refused);
    const health = controller({ smtp });
    await expect(health.ready()).resolves.toEqual({
      status: 'ready',
      checks: { database: 'up', smtp: 'down' },
    });
    await health.ready();
    expect(smtp).toHaveBeenCalledTimes(1);
  });

  it('reports the event broker without failing on it (events wait in the outbox), within its limit', async () => {
    await expect(controller({ broker: up }).ready()).resolves.toEqual({
      status: 'ready',
      checks: { database: 'up', broker: 'up' },
    });
    for (const broker of [refused, hangs]) {
      await expect(controller({ broker }).ready()).resolves.toEqual({
        status: 'ready',
        checks: { database: 'up', broker: 'down' },
      });
    }
  });

  it('answers within the slowest limit, however long a dependency hangs', async () => {
    const started = Date.now();
    await refusal(controller({ database: hangs, redis: hangs }).ready());
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reports liveness without touching any dependency', () => {
    const never = () => {
      throw new Error('must not be called');
    };
    expect(controller({ database: never, redis: never, smtp: never }).live()).toEqual({ status: 'ok' });
  });
});
