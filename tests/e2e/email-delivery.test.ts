import { createLogger } from '@latchkey/platform';
import { rows, sql } from '@latchkey/platform/testing';
import { aUser, login, register } from '../support/auth';
import { codeOf, linkTokenOf, MailCatcher } from '../support/mail-catcher';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The outbox: mail is written with the change it reports and sent after commit, so a mail server
 * outage neither fails a request nor loses its email, and a retry never sends one twice.
 */
describe('email delivery through the outbox', () => {
  let mail: MailCatcher;
  let app: TestApp;
  beforeAll(async () => {
    mail = await MailCatcher.start();
    app = await startTestApp({
      env: { SMTP_URL: mail.url, MAIL_OUTBOX_POLL_MS: '100', MAIL_RETRY_BASE: '10s', MAIL_RETRY_MAX: '1m' },
    });
  });
  afterAll(async () => {
    await app.close();
    await mail.stop();
  });

  // The test clock stands still, so rows of one test share created_at: order by what differs.
  const outbox = (recipient: string, kind: string) =>
    rows<{ status: string; attempts: number; last_error: string | null; body: string | null }>(
      app.db.database,
      sql`select status, attempts, last_error, body from email_outbox
          where recipient = ${recipient} and kind = ${kind} order by status`,
    );

  it('answers 202 while the mail server is down, retries, and delivers once it is back, exactly once', async () => {
    const user = aUser();
    await register(app, user);
    await mail.waitFor(user.email);

    await mail.stop();
    const started = Date.now();
    await app.api.post('/auth/password-reset/request').send({ email: user.email }).expect(202);
    expect(Date.now() - started).toBeLessThan(2_000); // the request never waits on the mail server
    await app.flushMail();
    const [failing] = await outbox(user.email, 'password-reset');
    expect(failing).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failing!.last_error).toMatch(/ECONNREFUSED|ESOCKET|connect/i);

    // Still down at the next attempt: the backoff grows, nothing is lost.
    app.clock.advanceSeconds(60);
    await app.flushMail();
    expect((await outbox(user.email, 'password-reset'))[0]).toMatchObject({ status: 'pending', attempts: 2 });

    await mail.restart();
    app.clock.advanceSeconds(60);
    const reset = await mail.waitFor(user.email, 2); // delivered by the dispatcher's own poll
    expect(reset.subject).toBe('Reset your password');
    // The send is recorded right after the server took it. Only then may the test clock jump ten
    // minutes: a jump while the row is still leased would expire the lease under a send in flight,
    // which real time never does, and a second dispatcher (the serverless harness runs one per
    // execution environment) could claim the row again.
    for (let waited = 0; (await outbox(user.email, 'password-reset'))[0]?.status !== 'sent'; waited += 50) {
      if (waited > 5_000) throw new Error('the delivered email was never marked sent');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Further passes send nothing more.
    app.clock.advanceSeconds(600);
    await app.flushMail();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mail.to(user.email)).toHaveLength(2);
    const [sent] = await outbox(user.email, 'password-reset');
    expect(sent).toMatchObject({ status: 'sent', attempts: 3, body: null });

    // And the emailed token works.
    await app.api
      .post('/auth/password-reset/confirm')
      .send({ token: linkTokenOf(reset), newPassword: 'a brand new long passphrase' })
      .expect(204);
  });

  it('does not count a failed send against the resend cooldown, and withdraws the superseded email', async () => {
    await mail.stop();
    const user = aUser();
    await register(app, user); // its verification email cannot be sent
    await app.flushMail();
    const tokens = await login(app, user);

    // Within the cooldown, but the first email never went out: another may be asked for.
    await app.api
      .post('/auth/verify/request')
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .send({})
      .expect(202);
    await app.flushMail(); // its first attempt fails too, while the server is still down
    expect((await outbox(user.email, 'email-verification')).map((row) => [row.status, row.attempts])).toEqual(
      [
        ['cancelled', 1],
        ['pending', 1],
      ],
    );

    await mail.restart();
    app.clock.advanceSeconds(120);
    const delivered = await mail.waitFor(user.email, 1);
    await app.flushMail();
    expect(mail.to(user.email)).toHaveLength(1); // only the live code was sent
    await app.api
      .post('/auth/verify/confirm')
      .send({ email: user.email, code: codeOf(delivered) })
      .expect(200);
  });

  it('sends nothing for a change that was rolled back', async () => {
    const user = aUser();
    await register(app, user);
    await mail.waitFor(user.email);
    await app.api.post('/auth/register').send(user).expect(409); // the second registration's transaction rolls back
    await app.flushMail();
    expect(mail.to(user.email)).toHaveLength(1);
    expect(await outbox(user.email, 'email-verification')).toHaveLength(1);
  });

  it('keeps email bodies sealed at rest: no token or code in the table', async () => {
    await mail.stop();
    const user = aUser();
    await register(app, user);
    await app.flushMail();
    const [pending] = await outbox(user.email, 'email-verification');
    expect(pending!.body).not.toBeNull();
    await mail.restart();
    app.clock.advanceSeconds(120);
    const welcome = await mail.waitFor(user.email);
    expect(pending!.body).not.toContain(linkTokenOf(welcome));
    expect(Buffer.from(pending!.body!, 'base64url').toString('latin1')).not.toContain(codeOf(welcome));
  });
});

describe('the log transport (the default with no SMTP_URL)', () => {
  it('writes the message, link and code to the log, so the flows work with nothing else running', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) } as never);
    const app = await startTestApp({ logger });
    try {
      const user = aUser();
      await register(app, user);
      await app.flushMail();
      const entry = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.mail);
      const logged = entry!.mail as { to: string; subject: string; text: string };
      expect(logged).toMatchObject({ to: user.email, subject: 'Verify your email address' });
      const code = /^(\d{6})$/m.exec(logged.text)![1]!;
      await app.api.post('/auth/verify/confirm').send({ email: user.email, code }).expect(200);
    } finally {
      await app.close();
    }
  });
});
