import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { EnvReader } from '../config/env-reader';
import { readPlatformConfig } from '../config/app-config';
import { RedisConnection } from './redis-connection';

const REDIS_URL = process.env.TEST_REDIS_URL;

/**
 * REDIS_PASSWORD beside a URL without credentials, as ECS injects ElastiCache's AUTH token from
 * Secrets Manager: against the real server, through a user of its own (Redis ACLs) whose password
 * is that token.
 */
(REDIS_URL ? describe : describe.skip)('RedisConnection: the AUTH token from REDIS_PASSWORD', () => {
  const user = `latchkey-test-${randomBytes(4).toString('hex')}`;
  const token = randomBytes(24).toString('hex');
  let admin: Redis;
  const connections: RedisConnection[] = [];

  beforeAll(async () => {
    admin = new Redis(REDIS_URL!, { maxRetriesPerRequest: 1 });
    await admin.call('ACL', 'SETUSER', user, 'on', `>${token}`, '~*', '+@all');
  });
  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.onApplicationShutdown()));
    await admin.call('ACL', 'DELUSER', user);
    await admin.quit();
  });

  const connect = (env: Record<string, string>) => {
    const url = new URL(REDIS_URL!);
    url.username = user;
    const read = new EnvReader({ NODE_ENV: 'test', REDIS_URL: url.toString(), ...env });
    const connection = new RedisConnection(readPlatformConfig(read));
    connections.push(connection);
    return connection;
  };

  it('authenticates with the token, and not without it', async () => {
    const authenticated = connect({ REDIS_PASSWORD: token });
    expect(await authenticated.ready(2_000)).toBe(true);
    await expect(authenticated.client!.ping()).resolves.toBe('PONG');

    const refused = connect({ REDIS_PASSWORD: 'not-the-token' });
    expect(await refused.ready(1_000)).toBe(false);
  });
});
