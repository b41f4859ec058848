import { ServiceUnavailable } from '../../shared-kernel/domain-error';
import type { Database } from '../database/database';
import { HealthController } from './health.controller';

function databaseThat(ping: () => Promise<void>): Database {
  return { ping } as unknown as Database;
}

describe('HealthController', () => {
  it('is ready when the database answers', async () => {
    const controller = new HealthController(databaseThat(async () => undefined));
    await expect(controller.ready()).resolves.toEqual({ status: 'ready', checks: { database: 'up' } });
  });

  it('is unavailable, with Retry-After, when the ping fails or times out', async () => {
    const controller = new HealthController(
      databaseThat(async () => {
        throw new Error('database did not answer within 1000 ms');
      }),
    );
    const failure = controller.ready();
    await expect(failure).rejects.toBeInstanceOf(ServiceUnavailable);
    await expect(failure).rejects.toMatchObject({
      retryAfterSeconds: 5,
      message: 'The database is unavailable',
    });
  });

  it('reports liveness without touching the database', () => {
    const controller = new HealthController(
      databaseThat(() => {
        throw new Error('must not be called');
      }),
    );
    expect(controller.live()).toEqual({ status: 'ok' });
  });
});
