import { loadPlatformConfig, ServerSecrets } from '@latchkey/platform';
import { openTestDatabase, rows, sql, type TestDatabase } from '@latchkey/platform/testing';
import { EmailOutbox } from './email-outbox';
import { platformMessagingMigrations } from '../migrations';

const secretsWith = (pepper: string) =>
  new ServerSecrets(loadPlatformConfig({ NODE_ENV: 'test', REFRESH_TOKEN_PEPPER: pepper.repeat(32) }));

const message = (n: number) => ({
  to: `user-${n}@example.com`,
  subject: `Message ${n}`,
  text: `secret-link-${n}`,
  html: `<p>secret-link-${n}</p>`,
});

describe('EmailOutbox', () => {
  let test: TestDatabase;
  let outbox: EmailOutbox;
  const t0 = new Date('2026-01-01T00:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(async () => {
    test = await openTestDatabase({ streams: [platformMessagingMigrations] });
    outbox = new EmailOutbox(test.database, secretsWith('a'));
  });
  afterAll(() => test.dispose());
  beforeEach(() => test.database.db.execute(sql`delete from email_outbox`));

  it('gives each due message to one claimer only, however many claim at once', async () => {
    for (let n = 0; n < 20; n++) await outbox.enqueue('test', message(n), t0);
    const claims = await Promise.all([1, 2, 3].map(() => outbox.claimDue(at(1), 60, 10)));
    const ids = claims.flat().map((claimed) => claimed.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(20);
    expect(
      claims
        .flat()
        .map((claimed) => claimed.email.text)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, n) => `secret-link-${n}`).sort());
  });

  it('hides a claimed message until its lease lapses (a sender that died), then offers it again', async () => {
    const id = await outbox.enqueue('test', message(1), t0);
    expect((await outbox.claimDue(at(1), 60, 10)).map((claimed) => claimed.id)).toEqual([id]);
    expect(await outbox.claimDue(at(30), 60, 10)).toEqual([]);
    expect((await outbox.claimDue(at(62), 60, 10)).map((claimed) => claimed.id)).toEqual([id]);
  });

  it('reports queued, retrying, sent and cancelled, and drops the body once settled', async () => {
    const id = await outbox.enqueue('test', message(1), t0);
    expect(await outbox.state(id)).toBe('queued');
    await outbox.claimDue(at(1), 60, 10);
    await outbox.markFailed(id, 'ECONNREFUSED', at(1), at(11));
    expect(await outbox.state(id)).toBe('retrying');
    expect(await outbox.claimDue(at(5), 60, 10)).toEqual([]); // not due before its retry time
    await outbox.claimDue(at(11), 60, 10);
    await outbox.markSent(id, at(12));
    expect(await outbox.state(id)).toBe('sent');
    await outbox.cancel(id, at(13)); // too late to withdraw
    expect(await outbox.state(id)).toBe('sent');

    const [row] = await rows<{ body: string | null; attempts: number }>(
      test.database,
      sql`select body, attempts from email_outbox where id = ${id}`,
    );
    expect(row).toEqual({ body: null, attempts: 2 });

    const withdrawn = await outbox.enqueue('test', message(2), t0);
    await outbox.cancel(withdrawn, at(1));
    expect(await outbox.state(withdrawn)).toBe('cancelled');
    expect(await outbox.claimDue(at(2), 60, 10)).toEqual([]);
  });

  it('stores bodies sealed, and gives up on one sealed under another server secret', async () => {
    const id = await outbox.enqueue('test', message(7), t0);
    const [row] = await rows<{ body: string }>(
      test.database,
      sql`select body from email_outbox where id = ${id}`,
    );
    expect(Buffer.from(row!.body, 'base64url').toString('latin1')).not.toContain('secret-link-7');

    const otherInstance = new EmailOutbox(test.database, secretsWith('b'));
    expect(await otherInstance.claimDue(at(1), 60, 10)).toEqual([]);
    expect(await outbox.state(id)).toBe('failed');
  });

  it('purges settled messages past retention, never pending ones', async () => {
    const sent = await outbox.enqueue('test', message(1), t0);
    const pending = await outbox.enqueue('test', message(2), t0);
    await outbox.markSent(sent, at(1));
    await outbox.purgeSettledBefore(at(100));
    const left = await rows<{ id: string }>(test.database, sql`select id from email_outbox`);
    expect(left.map((r) => r.id)).toEqual([pending]);
  });
});
