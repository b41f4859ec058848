import { rows, sql } from '@latchkey/platform/testing';
import { aUser, register } from '../support/auth';
import { auditEvents } from '../support/cli';
import { startTestApp, type TestApp } from '../support/test-app';

const DAY = 86_400;

describe('audit trail retention (pnpm audit-events purge)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { AUDIT_EVENTS_RETENTION: '400d' } });
  });
  afterAll(() => app.close());

  const eventsOf = async (userId: string) =>
    (
      await rows<{ type: string }>(
        app.db.database,
        sql`select type from auth_events where user_id = ${userId}`,
      )
    ).map((row) => row.type);

  it('deletes what is older than the retention, keeps the rest, and records the purge', async () => {
    const old = await register(app, aUser());
    app.clock.advanceSeconds(401 * DAY);
    const recent = await register(app, aUser());
    expect(await eventsOf(old.id)).not.toEqual([]);

    const counted = await auditEvents(app, 'purge', '--dry-run');
    expect(counted).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^\d+ audit event\(s\) occurred before .*dry run/),
    });
    expect(await eventsOf(old.id)).not.toEqual([]);

    const purged = await auditEvents(app, 'purge');
    expect(purged.code).toBe(0);
    const count = Number(/^purged (\d+) audit event/.exec(purged.out)![1]);
    expect(count).toBeGreaterThan(0);
    expect(await eventsOf(old.id)).toEqual([]);
    expect(await eventsOf(recent.id)).toContain('UserRegistered');
    const [record] = await rows<{ data: { count: number; before: string } }>(
      app.db.database,
      sql`select data from auth_events where type = 'AuditEventsPurged'`,
    );
    expect(record!.data.count).toBe(count);

    // --older-than overrides the setting for one run; running again finds nothing more.
    expect((await auditEvents(app, 'purge', '--older-than', '400d')).out).toMatch(/^purged 0 /);
  });

  it('refuses a retention under 30 days, and a bad duration', async () => {
    const short = await auditEvents(app, 'purge', '--older-than', '7d');
    expect(short).toMatchObject({ code: 1, err: expect.stringContaining('must be at least 30 days') });
    expect((await auditEvents(app, 'purge', '--older-than', 'soon')).code).toBe(2);
    expect((await auditEvents(app, 'vacuum')).code).toBe(2);
  });

  it('the database itself refuses to delete an event newer than the purge cutoff, or any without one', async () => {
    const recent = await register(app, aUser());
    const database = app.db.database;
    await expect(
      database.transaction(async () => {
        await database.db.execute(
          sql`select set_config('latchkey.audit_retention_before', '2000-01-01T00:00:00Z', true)`,
        );
        await database.db.execute(sql`delete from auth_events where user_id = ${recent.id}`);
      }),
    ).rejects.toThrow();
    await expect(
      database.db.execute(sql`delete from auth_events where user_id = ${recent.id}`),
    ).rejects.toThrow();
    expect(await eventsOf(recent.id)).toContain('UserRegistered');
  });
});

describe('audit trail retention, unset', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('keeps events forever and says how to set a retention', async () => {
    const result = await auditEvents(app, 'purge');
    expect(result).toMatchObject({ code: 1, err: expect.stringContaining('No retention is configured') });
    expect(result.err).toContain('AUDIT_EVENTS_RETENTION');
  });
});
