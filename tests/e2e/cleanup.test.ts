import { Cleanup, type CleanupTask } from '@latchkey/platform';
import { openTestDatabase, rows, sql, type TestDatabase } from '@latchkey/platform/testing';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';
import { aUser, login, refresh, register, registerAndLogin, type Tokens } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

const HOUR = 3600;

const sessionsOf = (app: TestApp, userId: string) =>
  rows<{ revoke_reason: string | null }>(
    app.db.database,
    sql`select revoke_reason from sessions where user_id = ${userId}`,
  );
const countOf = async (app: TestApp, query: ReturnType<typeof sql>) =>
  (await rows<{ count: number }>(app.db.database, query))[0]!.count;

describe('the scheduled clean-up', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: {
        REFRESH_TOKEN_TTL: '1h',
        CLEANUP_INTERVAL: '0', // the test runs it
        CLEANUP_BATCH: '10',
        CLEANUP_RETENTION: '1d',
      },
    });
  });
  afterAll(() => app.close());
  const cleanup = () => app.latchkey.app.get(Cleanup).run();

  it('ends sessions that ran out (SessionExpired), deletes ended ones after the retention, in batches, and nothing live', async () => {
    const ranOut = await Promise.all(Array.from({ length: 25 }, () => registerAndLogin(app)));
    app.clock.advanceSeconds(2 * HOUR); // past REFRESH_TOKEN_TTL: all 25 ran out
    const live = await registerAndLogin(app);
    const grace = await registerAndLogin(app);
    const r1 = (await refresh(app, grace.tokens.refreshToken).expect(200)).body as Tokens;
    const revoked = await registerAndLogin(app);
    await app.api
      .post('/auth/logout')
      .set('authorization', `Bearer ${revoked.tokens.accessToken}`)
      .send({})
      .expect(204);
    app.clock.advanceSeconds(5); // the grace session's R0 is inside its grace window

    const first = await cleanup();
    expect(first.ran).toBe(true);
    expect(first.removed['sessions.expired']).toBe(25);
    expect(first.removed['sessions.ended']).toBe(0); // inside CLEANUP_RETENTION
    expect(first.batches).toBeGreaterThanOrEqual(3 + 1 + 1); // 10 + 10 + 5 expired, then the others
    for (const { userId } of ranOut)
      expect(await sessionsOf(app, userId)).toEqual([{ revoke_reason: 'expired' }]);
    const expiredEvents = await countOf(
      app,
      sql`select count(*)::int as count from auth_events where type = 'SessionExpired'`,
    );
    expect(expiredEvents).toBe(25);
    expect(
      await countOf(
        app,
        sql`select count(*)::int as count from event_outbox where type = 'latchkey.identity.session.expired.v1'`,
      ),
    ).toBe(25);

    // Live sessions, and the grace window, are untouched.
    expect(await sessionsOf(app, live.userId)).toEqual([{ revoke_reason: null }]);
    await refresh(app, live.tokens.refreshToken).expect(200);
    const replayed = (await refresh(app, grace.tokens.refreshToken).expect(200)).body as Tokens;
    expect(replayed.refreshToken).toBe(r1.refreshToken);

    // A day later the ended sessions go, with their refresh tokens.
    app.clock.advanceSeconds(25 * HOUR);
    const second = await cleanup();
    expect(second.removed['sessions.ended']).toBeGreaterThanOrEqual(26);
    for (const { userId } of [...ranOut, revoked]) expect(await sessionsOf(app, userId)).toEqual([]);
    const orphans = await countOf(
      app,
      sql`select count(*)::int as count from refresh_tokens t
          where not exists (select 1 from sessions s where s.id = t.session_id)`,
    );
    expect(orphans).toBe(0);
    // The accounts themselves stay, and log in again.
    await login(app, ranOut[0]!.user);
  });

  it('deletes spent reset secrets after the retention, and keeps a usable one', async () => {
    const user = aUser();
    await register(app, user);
    await app.api.post('/auth/password-reset/request').send({ email: user.email }).expect(202);
    const count = () =>
      countOf(
        app,
        sql`select count(*)::int as count from password_reset_tokens t join accounts a on a.id = t.account_id
            where a.email = ${user.email}`,
      );
    await cleanup();
    expect(await count()).toBe(1);
    app.clock.advanceSeconds(26 * HOUR); // expired (1h) and past the retention (1d)
    await cleanup();
    expect(await count()).toBe(0);
  });

  it('loses nothing when a batch fails: it rolls back, and the next run takes it again', async () => {
    const victims = await Promise.all(Array.from({ length: 3 }, () => registerAndLogin(app)));
    app.clock.advanceSeconds(2 * HOUR);
    let crash = true;
    const cleaner = app.latchkey.app.get(Cleanup);
    // Registered after identity's tasks: runs once they have ended the three sessions in this
    // run's earlier batches, then "crashes" inside a batch that already deleted rows.
    cleaner.register({
      name: 'test.crashing',
      runBatch: async () => {
        if (!crash) return 0;
        await app.db.database.db.execute(sql`delete from sessions where revoke_reason = 'expired'`);
        throw new Error('killed mid-batch');
      },
    } satisfies CleanupTask);
    await expect(cleaner.run()).rejects.toThrow('killed mid-batch');
    for (const { userId } of victims)
      expect(await sessionsOf(app, userId)).toEqual([{ revoke_reason: 'expired' }]);
    crash = false;
    const resumed = await cleaner.run();
    expect(resumed.ran).toBe(true);
  });
});

// Two instances, and a table of 100k, need a server: PGlite has one connection.
(process.env.TEST_DATABASE_URL ? describe : describe.skip)('the clean-up on PostgreSQL', () => {
  let db: TestDatabase;
  let apps: TestApp[];
  const clock = new TestClock();

  beforeAll(async () => {
    db = await openTestDatabase(MIGRATION_PLAN);
    const env = { CLEANUP_INTERVAL: '0', CLEANUP_RETENTION: '0s', CLEANUP_BATCH: '1000' };
    apps = [await startTestApp({ db, clock, env }), await startTestApp({ db, clock, env })];
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.dispose();
  });

  it('runs on one instance at a time: batches of two instances never overlap', async () => {
    let inFlight = 0;
    let most = 0;
    const batches: string[] = [];
    const probe = (instance: string): CleanupTask => {
      let left = 5;
      return {
        name: 'test.probe',
        runBatch: async ({ limit }) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          batches.push(instance);
          await new Promise((resolve) => setTimeout(resolve, 30));
          inFlight -= 1;
          return left-- > 0 ? limit : 0;
        },
      };
    };
    apps[0]!.latchkey.app.get(Cleanup).register(probe('a'));
    apps[1]!.latchkey.app.get(Cleanup).register(probe('b'));
    const reports = await Promise.all(apps.map((app) => app.latchkey.app.get(Cleanup).run()));
    expect(most).toBe(1);
    expect(reports.some((report) => report.ran)).toBe(true);
    expect(batches.length).toBeGreaterThan(0);
  });

  it('removes 100k expired sessions in batches while logins and refreshes go on', async () => {
    const [app] = apps as [TestApp, TestApp];
    const owner = await registerAndLogin(app);
    // Sessions of the test clock's past: ran out a month ago, begun 40 days ago.
    const now = clock.now().toISOString();
    await app.db.database.db.execute(sql`
      insert into sessions (id, user_id, device_id, created_at, last_used_at, expires_at, idle_expires_at)
      select gen_random_uuid(), ${owner.userId}::uuid, 'bulk', t - interval '40 days', t - interval '40 days',
        t - interval '10 days', t - interval '33 days'
      from generate_series(1, 100000), (select ${now}::timestamptz as t) as clock
    `);
    await app.db.database.db.execute(sql`
      insert into refresh_tokens (id, session_id, token_hash, generation, created_at)
      select gen_random_uuid(), id, 'bulk:' || id, 0, created_at from sessions where device_id = 'bulk'
    `);

    let stop = false;
    let served = 0;
    const traffic = (async () => {
      let tokens = owner.tokens;
      while (!stop) {
        tokens = (await refresh(app, tokens.refreshToken).expect(200)).body as Tokens;
        await login(app, owner.user);
        served += 2;
      }
    })();
    const report = await app.latchkey.app.get(Cleanup).run();
    const servedDuringCleanup = served;
    stop = true;
    await traffic;

    expect(report.removed['sessions.expired']).toBe(100_000);
    expect(report.removed['sessions.ended']).toBe(100_000);
    expect(report.batches).toBeGreaterThanOrEqual(200);
    expect(
      await countOf(
        app,
        sql`select count(*)::int as count from refresh_tokens where token_hash like 'bulk:%'`,
      ),
    ).toBe(0);
    // Requests went on throughout: short batches, and no lock on a live session.
    expect(servedDuringCleanup).toBeGreaterThan(20);
    expect(
      await countOf(app, sql`select count(*)::int as count from sessions where revoked_at is null`),
    ).toBeGreaterThan(0);
  }, 300_000);
});
