import { readServerlessConfig } from './serverless-config';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://latchkey@proxy.example:5432/latchkey',
  REDIS_URL: 'rediss://cache.example:6379',
  REFRESH_TOKEN_PEPPER: 'p'.repeat(40),
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
  JWT_ISSUER: 'https://auth.example.com',
  APP_BASE_URL: 'https://app.example.com',
  MAIL_TRANSPORT: 'log',
  KEYS_STORE: 'database',
};

describe('readServerlessConfig', () => {
  it("keeps the monolith's variables, with Lambda's defaults under them", () => {
    const { config, problems } = readServerlessConfig({ NODE_ENV: 'test' });
    expect(problems).toEqual([]);
    expect(config.platform.database).toMatchObject({
      poolMax: 2,
      namedStatements: false,
      listen: false,
      migrateOnStart: false,
    });
    expect(config.platform.events.relay.nudgeDelayMs).toBe(0);
    expect(
      readServerlessConfig({ NODE_ENV: 'test', DATABASE_POOL_MAX: '1' }).config.platform.database.poolMax,
    ).toBe(1);
  });

  it('refuses what cannot work on Lambda, naming each variable', () => {
    const { problems } = readServerlessConfig({
      NODE_ENV: 'test',
      DB_MIGRATE_ON_START: 'true',
      TRUST_PROXY: '10.0.0.0/8',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^DB_MIGRATE_ON_START: must be false on Lambda/),
      expect.stringMatching(/^TRUST_PROXY: must not be set on Lambda/),
    ]);
  });

  it('in production, requires Redis (limits shared by the environments) and a database server', () => {
    expect(readServerlessConfig(production).problems).toEqual([]);
    const { REDIS_URL: _redis, DATABASE_URL: _database, ...bare } = production;
    const { problems } = readServerlessConfig({ ...bare, ALLOW_EMBEDDED_DATABASE: 'true' });
    expect(problems).toEqual([
      expect.stringMatching(/^REDIS_URL: is required on Lambda in production/),
      expect.stringMatching(/^DATABASE_URL: is required on Lambda/),
    ]);
  });
});
