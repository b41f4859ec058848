import { aUser, login, refresh, register } from '../support/auth';
import { EventRelay } from '@latchkey/platform-messaging';
import { events as eventsCli } from '../support/cli';
import { EventSink, nameOf, publishingTo, schemaErrorsOf, testExchange } from '../support/event-sink';
import { codeOf, MailCatcher } from '../support/mail-catcher';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Domain events reach RabbitMQ (the one running on this machine) through the outbox: the
 * sequence a user's actions produce, each valid against its published schema, none carrying a
 * secret the test used.
 */
describe('domain events to RabbitMQ', () => {
  const exchange = testExchange();
  let mail: MailCatcher;
  let app: TestApp;
  let sink: EventSink;

  beforeAll(async () => {
    mail = await MailCatcher.start();
    app = await startTestApp({
      env: {
        SMTP_URL: mail.url,
        ...publishingTo(exchange),
      },
    });
    sink = new EventSink({ exchange, database: app.db.database });
    await sink.consumer.start();
  });
  afterAll(async () => {
    await sink.consumer.stop();
    await app.close();
    await mail.stop();
  });

  it('delivers register → verify → login → refresh → replay → logout → delete as the expected events, in order, schema-valid, secret-free', async () => {
    const user = aUser();
    const secrets: string[] = [user.password];
    const { id: userId } = await register(app, user);
    const code = codeOf(await mail.waitFor(user.email));
    secrets.push(code);
    await app.api.post('/auth/verify/confirm').send({ email: user.email, code }).expect(200);

    const first = await login(app, user);
    const rotated = (await refresh(app, first.refreshToken).expect(200)).body as typeof first;
    app.clock.advanceSeconds(11); // beyond the grace window: presenting R0 again is reuse
    await refresh(app, first.refreshToken).expect(401);
    secrets.push(first.accessToken, first.refreshToken, rotated.accessToken, rotated.refreshToken);

    const second = await login(app, user);
    await app.api
      .post('/auth/logout')
      .set('authorization', `Bearer ${second.accessToken}`)
      .send({})
      .expect(204);
    const third = await login(app, user);
    secrets.push(second.accessToken, second.refreshToken, third.accessToken, third.refreshToken);
    await app.api.delete(`/users/${userId}`).set('authorization', `Bearer ${third.accessToken}`).expect(204);

    const expected = [
      'UserRegistered',
      'EmailVerified',
      'UserLoggedIn',
      'AuthSessionCreated',
      'RefreshTokenRotated',
      'RefreshTokenReuseDetected',
      'SessionRevoked',
      'SuspiciousActivityDetected',
      'UserLoggedIn',
      'AuthSessionCreated',
      'UserLoggedOut',
      'UserLoggedIn',
      'AuthSessionCreated',
      'UserDeleted',
    ];
    await sink.until(() => sink.of(userId).length >= expected.length);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    const events = sink.of(userId);
    expect(events.map(nameOf)).toEqual(expected);

    for (const event of events) expect(schemaErrorsOf(event)).toBe('');
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    // Envelopes as documented; the request id of the request that caused each.
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      source: '/latchkey/identity',
      subject: userId,
      datacontenttype: 'application/json',
      data: { userId, email: user.email, name: user.name },
    });
    expect(events.every((event) => typeof event.requestid === 'string')).toBe(true);
    expect(events.at(-1)).toMatchObject({
      source: '/latchkey/user-profile',
      data: { userId, actorId: null },
    });

    // No secret the test used appears in any event (the raw JSON, not only the declared fields).
    const raw = events.map((event) => JSON.stringify(event));
    for (const secret of secrets) for (const body of raw) expect(body).not.toContain(secret);
    // And the address appears only where the contract says it does.
    const withEmail = events.filter((event) => JSON.stringify(event).includes(user.email)).map(nameOf);
    expect(withEmail).toEqual(['UserRegistered']);
  });

  it('lists and replays from the outbox; erasure leaves only UserDeleted to replay, and the consumer skips it', async () => {
    const user = aUser();
    const { id: userId } = await register(app, user);
    const tokens = await login(app, user);
    await sink.until(() => sink.of(userId).length === 3);
    await app.latchkey.app.get(EventRelay).idle(); // marked published after the broker's confirm
    const listed = await eventsCli(app, 'list', '--user', userId, '--type', 'UserRegistered,UserLoggedIn');
    const lines = listed.out
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; delivery: object });
    expect(lines.map((line) => line.type)).toEqual([
      'latchkey.identity.user.registered.v1',
      'latchkey.identity.user.logged_in.v1',
    ]);
    expect(lines[0]!.delivery).toEqual({ state: 'published', attempts: 1, lastError: null });

    await app.api.delete(`/users/${userId}`).set('authorization', `Bearer ${tokens.accessToken}`).expect(204);
    await sink.until(() => sink.of(userId).length === 4);
    await app.latchkey.app.get(EventRelay).idle(); // UserDeleted marked published too
    const remaining = (await eventsCli(app, 'list', '--user', userId)).out;
    expect(remaining).not.toContain(user.email);
    expect(remaining.split('\n').map((line) => (JSON.parse(line) as { type: string }).type)).toEqual([
      'latchkey.user_profile.user.deleted.v1',
    ]);

    const duplicates = sink.consumer.stats.duplicates;
    const replayed = await eventsCli(app, 'replay', '--since', '1h', '--user', userId);
    expect(replayed.out).toMatch(/^queued 1 published event/);
    await sink.until(() => sink.consumer.stats.duplicates === duplicates + 1);
    expect(sink.of(userId)).toHaveLength(4);
  });
});
