import { claimsOf, login, me, refresh, registerAndLogin } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

const sidOf = (accessToken: string) => claimsOf(accessToken).sid as string;
const bearer = (accessToken: string) => `Bearer ${accessToken}`;

describe('logout and session management', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('logout with the refresh token ends that session only', async () => {
    const { user, tokens } = await registerAndLogin(app);
    const other = await login(app, user, 'phone');
    await app.api.post('/auth/logout').send({ refreshToken: tokens.refreshToken }).expect(204);

    await refresh(app, tokens.refreshToken).expect(401);
    await me(app, tokens.accessToken).expect(401);
    await me(app, other.accessToken).expect(200);
    await refresh(app, other.refreshToken).expect(200);
  });

  it("logout with only the bearer token ends the bearer's session", async () => {
    const { tokens } = await registerAndLogin(app);
    await app.api.post('/auth/logout').set('authorization', bearer(tokens.accessToken)).send({}).expect(204);
    await refresh(app, tokens.refreshToken).expect(401);
    await me(app, tokens.accessToken).expect(401);
  });

  it('logout with allDevices ends every session of the user, and only theirs', async () => {
    const { user, tokens } = await registerAndLogin(app);
    const phone = await login(app, user, 'phone');
    const stranger = await registerAndLogin(app);
    await app.api
      .post('/auth/logout')
      .send({ refreshToken: tokens.refreshToken, allDevices: true })
      .expect(204);

    for (const session of [tokens, phone]) {
      await refresh(app, session.refreshToken).expect(401);
      await me(app, session.accessToken).expect(401);
    }
    await me(app, stranger.tokens.accessToken).expect(200);
  });

  it('is idempotent: an unknown or already revoked token is not an error', async () => {
    const { tokens } = await registerAndLogin(app);
    await app.api.post('/auth/logout').send({ refreshToken: tokens.refreshToken }).expect(204);
    await app.api.post('/auth/logout').send({ refreshToken: tokens.refreshToken }).expect(204);
    await app.api
      .post('/auth/logout')
      .send({ refreshToken: 'B'.repeat(43) })
      .expect(204);
  });

  it('needs something identifying a session: nothing at all is 401, a bad bearer is 401', async () => {
    await app.api.post('/auth/logout').send({}).expect(401);
    await app.api.post('/auth/logout').set('authorization', 'Bearer not.a.token').send({}).expect(401);
  });

  it('lists the active sessions, newest use first, marking the current one', async () => {
    const { user, tokens } = await registerAndLogin(app);
    app.clock.advanceSeconds(1);
    const phone = await login(app, user, 'phone-7');
    const response = await app.api
      .get('/auth/sessions')
      .set('authorization', bearer(phone.accessToken))
      .set('user-agent', 'LatchkeyTest/1.0')
      .expect(200);
    const items = response.body.items as {
      id: string;
      deviceId: string | null;
      current: boolean;
      ip: string;
    }[];
    expect(items.map((item) => item.id)).toEqual([sidOf(phone.accessToken), sidOf(tokens.accessToken)]);
    expect(items.map((item) => item.current)).toEqual([true, false]);
    expect(items[0]).toMatchObject({ deviceId: 'phone-7', ip: expect.stringMatching(/127\.0\.0\.1/) });
  });

  it('revokes one of the caller’s own sessions by id', async () => {
    const { user, tokens } = await registerAndLogin(app);
    const laptop = await login(app, user, 'laptop');
    await app.api
      .delete(`/auth/sessions/${sidOf(laptop.accessToken)}`)
      .set('authorization', bearer(tokens.accessToken))
      .expect(204);

    await refresh(app, laptop.refreshToken).expect(401);
    await me(app, laptop.accessToken).expect(401);
    const remaining = await app.api
      .get('/auth/sessions')
      .set('authorization', bearer(tokens.accessToken))
      .expect(200);
    expect((remaining.body.items as { id: string }[]).map((item) => item.id)).toEqual([
      sidOf(tokens.accessToken),
    ]);
  });

  it("answers 404 for another user's session, exactly as for a missing one, and leaves it alone", async () => {
    const mine = await registerAndLogin(app);
    const theirs = await registerAndLogin(app);
    const foreign = await app.api
      .delete(`/auth/sessions/${sidOf(theirs.tokens.accessToken)}`)
      .set('authorization', bearer(mine.tokens.accessToken))
      .expect(404);
    const missing = await app.api
      .delete('/auth/sessions/0190c3a6-9a7e-7cc4-8f00-000000000000')
      .set('authorization', bearer(mine.tokens.accessToken))
      .expect(404);
    expect({ ...foreign.body, traceId: '' }).toEqual({ ...missing.body, traceId: '' });
    await me(app, theirs.tokens.accessToken).expect(200);
  });

  it('answers a malformed session id with 400 naming the parameter', async () => {
    const { tokens } = await registerAndLogin(app);
    const response = await app.api
      .delete('/auth/sessions/not-a-uuid')
      .set('authorization', bearer(tokens.accessToken))
      .expect(400);
    expect(response.body.details).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
  });

  it('requires a bearer token on account routes (401 with a Bearer challenge)', async () => {
    for (const url of ['/auth/me', '/auth/sessions']) {
      const response = await app.api.get(url).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
  });
});
