import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { PasswordHasher } from '@latchkey/identity/testing';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { aUser, register, type TestUser } from '../support/auth';
import { type Instance, postJson, startInstance, stopInstances } from '../support/processes';
import { startTestApp, type TestApp } from '../support/test-app';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';

const REDIS_URL = process.env.TEST_REDIS_URL;
const UNREACHABLE_REDIS = 'redis://127.0.0.1:1';
const WRONG = 'definitely not the passphrase';

/** Each suite counts under its own prefix in the shared Redis. */
const freshPrefix = () => `latchkey-test:${randomBytes(6).toString('hex')}:`;

const login = (app: TestApp, email: string, password = WRONG) =>
  request(app.server).post('/auth/login').send({ email, password });

// The real Redis on 127.0.0.1:6379 (CI makes it mandatory; see tests/support/global-setup.cjs).
(REDIS_URL ? describe : describe.skip)('abuse controls shared through Redis', () => {
  describe('two instances, one Redis', () => {
    let first: TestApp;
    let second: TestApp;
    let user: TestUser;

    beforeAll(async () => {
      const env = {
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: freshPrefix(),
        LOGIN_LOCKOUT_THRESHOLD: '3',
      };
      first = await startTestApp({ env });
      second = await startTestApp({
        env: { ...env, DATA_DIR: first.dataDir },
        db: first.db,
        clock: first.clock,
      });
      user = aUser();
      await register(first, user);
    });
    afterAll(async () => {
      await second.close();
      await first.close();
    });

    it('lets at most N of 40 parallel guesses, split across both instances, reach a verification', async () => {
      // On the hasher's class: every instance in this process counts (both instances', and on
      // the serverless deployment every execution environment's).
      const spy = jest.spyOn(Object.getPrototypeOf(first.latchkey.app.get(PasswordHasher)), 'verify');
      try {
        const responses = await Promise.all(
          Array.from({ length: 40 }, (_, i) => login(i % 2 ? first : second, user.email)),
        );
        // A refusal other than 401 names itself (status, code, message).
        const outcome = (response: request.Response) =>
          response.status === 401
            ? 401
            : `${response.status} ${response.body?.code} ${response.body?.message}`;
        expect(responses.map(outcome)).toEqual(Array(40).fill(401));
        expect(spy.mock.calls.length).toBe(3);
      } finally {
        spy.mockRestore();
      }
    });

    it('keeps the lock (and its windows) in Redis, on the application clock', async () => {
      const victim = aUser();
      await register(first, victim);
      for (let i = 0; i < 3; i++) await login(i % 2 ? first : second, victim.email);
      await login(second, victim.email, victim.password).expect(401); // locked, on the other instance too
      first.clock.advanceSeconds(31);
      await login(second, victim.email, victim.password).expect(200);
    });
  });

  describe('one login limit across instances', () => {
    let first: TestApp;
    let second: TestApp;
    beforeAll(async () => {
      const env = { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: freshPrefix(), RATE_LIMIT_LOGIN_IP: '4/1m' };
      first = await startTestApp({ env });
      second = await startTestApp({
        env: { ...env, DATA_DIR: first.dataDir },
        db: first.db,
        clock: first.clock,
      });
    });
    afterAll(async () => {
      await second.close();
      await first.close();
    });

    it('triggers at the configured total, whichever instance the attempts reach', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await login(i % 2 ? second : first, aUser().email)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
    });
  });
});

describe('when the counters store is unreachable (RATE_LIMIT_FAIL_MODE)', () => {
  describe('closed (default)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({
        env: { REDIS_URL: UNREACHABLE_REDIS, RATE_LIMIT_LOGIN_IP: '30/5m', RATE_LIMIT_REGISTER_IP: '10/1h' },
      });
    });
    afterAll(() => app.close());

    it('refuses limited routes with 503 SERVICE_UNAVAILABLE and Retry-After, never a 500', async () => {
      for (const call of [
        app.api.post('/auth/login').send({ email: aUser().email, password: WRONG }),
        app.api.post('/auth/register').send(aUser()),
      ]) {
        const response = await call.expect(503);
        expect(response.body.code).toBe('SERVICE_UNAVAILABLE');
        expect(response.headers['retry-after']).toBe('5');
      }
      await app.api.get('/health').expect(200); // unlimited routes are unaffected
    });
  });

  describe('open', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({
        env: {
          REDIS_URL: UNREACHABLE_REDIS,
          RATE_LIMIT_FAIL_MODE: 'open',
          RATE_LIMIT_LOGIN_IP: '30/5m',
          RATE_LIMIT_REGISTER_IP: '10/1h',
          LOGIN_LOCKOUT_THRESHOLD: '3',
        },
      });
    });
    afterAll(() => app.close());

    it('lets requests through, without limit headers', async () => {
      const user = aUser();
      const registered = await request(app.server).post('/auth/register').send(user).expect(201);
      expect(registered.headers['ratelimit-limit']).toBeUndefined();
      await request(app.server).post('/auth/login').send({ email: user.email, password: WRONG }).expect(401);
      await request(app.server)
        .post('/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
    });
  });
});

// Separate processes need a shared PostgreSQL as well as Redis.
(REDIS_URL && process.env.TEST_DATABASE_URL ? describe : describe.skip)(
  'two API processes, one PostgreSQL, one Redis',
  () => {
    let db: TestDatabase;
    let dataDir: string;
    const instances: Instance[] = [];

    beforeAll(async () => {
      db = await openTestDatabase(MIGRATION_PLAN);
      dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-limits-'));
      const env = {
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url!,
        DATA_DIR: dataDir,
        KEYS_STORE: 'database',
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: freshPrefix(),
        RATE_LIMIT_LOGIN_IP: '6/1m',
      };
      instances.push(await startInstance(env), await startInstance(env));
    }, 90_000);
    afterAll(async () => {
      await stopInstances(instances);
      await db.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('share one login limit: attempts split across both trigger it at the same total count', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const instance = instances[i % 2]!;
        statuses.push(
          (await postJson(`${instance.url}/auth/login`, { email: aUser().email, password: WRONG })).status,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
    }, 60_000);
  },
);
