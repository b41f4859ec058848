import request from 'supertest';
import { Argon2PasswordHasher } from '@latchkey/identity/testing';
import { ServerSecrets } from '@latchkey/platform';
import { idempotencyRequestHash, IdempotencyStore } from '@latchkey/platform-http';
import { rows, sql } from '@latchkey/platform/testing';
import { aUser, claimsOf, headerOf, login, me, refresh, register, type TestUser } from '../support/auth';
import { startTestApp, type TestApp, testTarget } from '../support/test-app';

describe('identity core: register, login, me, refresh, logout', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('runs the whole flow: register → login → me → refresh → logout', async () => {
    const user = aUser({ email: '  Grace.Hopper@Example.COM ' });
    const registered = await app.api.post('/auth/register').send(user).expect(201);
    expect(registered.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'grace.hopper@example.com',
      name: user.name,
      createdAt: expect.any(String),
      emailVerified: false,
    });

    const loggedIn = await app.api
      .post('/auth/login')
      .send({ email: 'GRACE.HOPPER@example.com', password: user.password, deviceId: 'laptop-1' })
      .expect(200);
    expect(loggedIn.headers['cache-control']).toBe('no-store');
    expect(loggedIn.headers['set-cookie']).toBeUndefined(); // body mode never sets the cookie
    expect(loggedIn.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const { accessToken, refreshToken } = loggedIn.body as { accessToken: string; refreshToken: string };

    const claims = claimsOf(accessToken);
    expect(headerOf(accessToken)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: expect.any(String) });
    expect(claims).toMatchObject({
      sub: registered.body.id,
      roles: ['user'],
      iss: 'http://localhost:3000',
      aud: 'latchkey',
    });
    expect(claims).toHaveProperty('sid');
    expect(claims).toHaveProperty('jti');
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);

    expect((await me(app, accessToken).expect(200)).body).toEqual(registered.body);

    const refreshed = await refresh(app, refreshToken).expect(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    expect(refreshed.body.refreshToken).not.toBe(refreshToken);
    expect(claimsOf(refreshed.body.accessToken).sid).toBe(claims.sid);

    await app.api.post('/auth/logout').send({ refreshToken: refreshed.body.refreshToken }).expect(204);
    await refresh(app, refreshed.body.refreshToken).expect(401);
    await me(app, refreshed.body.accessToken).expect(401);
  });

  it('keeps an account across the audit trail: registration, login and failures are recorded', async () => {
    const user = aUser();
    const { id } = await register(app, user);
    await login(app, user);
    await app.api
      .post('/auth/login')
      .send({ email: user.email, password: 'not the right passphrase' })
      .expect(401);
    const events = await rows<{ type: string }>(
      app.latchkey.database,
      sql`select type from auth_events where user_id = ${id} order by occurred_at, id`,
    );
    expect(events.map((event) => event.type)).toEqual([
      'UserRegistered',
      'EmailVerificationSent',
      'UserLoggedIn',
      'UserLoginFailed',
    ]);
  });

  it('writes a registration as one statement: account, profile, events and verification together', async () => {
    const { id } = await register(app, aUser());
    // The new user's profile row: the monolith's profile; the auth service's claims projection in
    // the services deployment (the user service builds its profile apart, from the event).
    const profiles = sql.identifier(testTarget() === 'services' ? 'claims_projection' : 'profiles');
    // Rows written by one statement share its transaction (xmin) and its command (cmin); one
    // INSERT per row, even inside a transaction, would give each its own command.
    const writers = await rows<{ tbl: string; xmin: string; cmin: string }>(
      app.latchkey.database,
      sql`select 'accounts' as tbl, xmin::text, cmin::text from accounts where id = ${id}
          union all select 'profiles', xmin::text, cmin::text from ${profiles} where user_id = ${id}
          union all select 'auth_events', xmin::text, cmin::text from auth_events where user_id = ${id}
          union all select 'email_verifications', xmin::text, cmin::text
            from email_verifications where account_id = ${id}`,
    );
    expect(writers.map((row) => row.tbl).sort()).toEqual([
      'accounts',
      'auth_events',
      'auth_events',
      'email_verifications',
      'profiles',
    ]);
    expect(new Set(writers.map((row) => `${row.xmin}/${row.cmin}`)).size).toBe(1);
  });

  it('writes a login as one statement: the session, its first refresh token and UserLoggedIn', async () => {
    const user = aUser();
    await register(app, user);
    const { sid } = claimsOf((await login(app, user)).accessToken) as { sid: string };
    const writers = await rows<{ tbl: string; xmin: string; cmin: string }>(
      app.latchkey.database,
      sql`select 'sessions' as tbl, xmin::text, cmin::text from sessions where id = ${sid}
          union all select 'refresh_tokens', xmin::text, cmin::text from refresh_tokens where session_id = ${sid}
          union all select 'auth_events', xmin::text, cmin::text from auth_events where session_id = ${sid}`,
    );
    expect(writers.map((row) => row.tbl).sort()).toEqual(['auth_events', 'refresh_tokens', 'sessions']);
    expect(new Set(writers.map((row) => `${row.xmin}/${row.cmin}`)).size).toBe(1);
  });

  it('answers a duplicate email with 409 CONFLICT, whatever its case', async () => {
    const user = aUser();
    await register(app, user);
    const response = await app.api
      .post('/auth/register')
      .send({ ...user, email: user.email.toUpperCase() })
      .expect(409);
    expect(response.body).toMatchObject({
      code: 'CONFLICT',
      message: 'An account with this email already exists',
    });
  });

  it('answers invalid input with 400 VALIDATION_FAILED naming each field', async () => {
    const response = await app.api
      .post('/auth/register')
      .send({ email: 'not-an-email', password: 42 })
      .expect(400);
    const fields = new Set((response.body.details as { field: string }[]).map((detail) => detail.field));
    expect(fields).toEqual(new Set(['email', 'password', 'name']));
  });

  it('refuses unknown fields instead of binding them (no mass assignment)', async () => {
    const response = await app.api
      .post('/auth/register')
      .send({ ...aUser(), roles: ['admin'], emailVerified: true, id: '00000000-0000-4000-8000-000000000000' })
      .expect(400);
    expect(response.body.details).toEqual(
      expect.arrayContaining([
        { field: 'roles', message: 'property roles should not exist' },
        { field: 'emailVerified', message: 'property emailVerified should not exist' },
        { field: 'id', message: 'property id should not exist' },
      ]),
    );
  });

  it('says which password rule failed', async () => {
    const cases: [string, string][] = [
      ['short passwd', 'must be at least 15 characters'],
      ['x'.repeat(257), 'must be at most 256 characters'],
      ['1qaz2wsx3edc4rfv', 'is too common: it appears in a list of frequently used passwords'],
      ['i am marie-curie, hello', 'must not contain your email address'],
    ];
    for (const [password, message] of cases) {
      const response = await app.api
        .post('/auth/register')
        .send(aUser({ email: 'marie-curie@example.com', password }))
        .expect(400);
      expect(response.body.details).toContainEqual({ field: 'password', message });
    }
  });

  it('gives byte-identical 401s for a wrong password and an unknown email', async () => {
    const user = aUser();
    await register(app, user);
    const attempt = (email: string) =>
      app.api
        .post('/auth/login')
        .set('x-request-id', 'same-request-id-for-both')
        .send({ email, password: 'a wrong but long passphrase' })
        .expect(401);
    const [wrongPassword, unknownEmail] = [
      await attempt(user.email),
      await attempt('nobody-here@example.com'),
    ];
    expect(unknownEmail.text).toBe(wrongPassword.text);
    expect(wrongPassword.body).toEqual({
      message: 'Invalid email or password',
      code: 'UNAUTHORIZED',
      traceId: 'same-request-id-for-both',
    });
    // Date ticks, and RateLimit-Remaining counts this IP's requests; neither depends on the
    // account (the abuse suite compares them with fresh counters). API Gateway's request id
    // (the serverless deployment) is one per request.
    const comparable = (response: request.Response) => {
      const {
        date: _date,
        'ratelimit-remaining': _remaining,
        'apigw-requestid': _apiGatewayRequest,
        ...rest
      } = response.headers;
      return rest;
    };
    expect(comparable(unknownEmail)).toEqual(comparable(wrongPassword));
  });

  it('8 concurrent registrations of one email give exactly one 201 and 409s, never a 500', async () => {
    const user = aUser();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => request(app.server).post('/auth/register').send(user)),
    );
    // An answer other than 201 or 409 names itself (status, code, message).
    const statuses = responses
      .map((response) =>
        [201, 409].includes(response.status)
          ? response.status
          : `${response.status} ${response.body?.code} ${response.body?.message}`,
      )
      .sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const accounts = await rows(
      app.latchkey.database,
      sql`select id from accounts where email = ${user.email}`,
    );
    expect(accounts).toHaveLength(1);
  });

  describe('Idempotency-Key on register', () => {
    const registerWith = (key: string, user: TestUser) =>
      app.api.post('/auth/register').set('idempotency-key', key).send(user);

    it('replays the first response for the same key and body: one account, one side effect', async () => {
      const user = aUser();
      const key = `key-${user.email}`;
      const first = await registerWith(key, user).expect(201);
      const replay = await registerWith(key, user).expect(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const accounts = await rows(
        app.latchkey.database,
        sql`select id from accounts where email = ${user.email}`,
      );
      expect(accounts).toHaveLength(1);
      const events = await rows(
        app.latchkey.database,
        sql`select id from auth_events where type = 'UserRegistered' and user_id = ${first.body.id}`,
      );
      expect(events).toHaveLength(1);
    });

    it('replays across prefixes: a retry under /v1 of an unversioned request is the same request', async () => {
      const user = aUser();
      const key = `key-${user.email}`;
      const first = await registerWith(key, user).expect(201);
      const replay = await app.api
        .post('/v1/auth/register')
        .set('idempotency-key', key)
        .send(user)
        .expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
    });

    it('answers 422 when the key comes back with a different body', async () => {
      const user = aUser();
      const key = `key-${user.email}`;
      await registerWith(key, user).expect(201);
      const response = await registerWith(key, { ...user, name: 'Someone Else' }).expect(422);
      expect(response.body.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    });

    it('answers 409 while a request with the key is still in flight', async () => {
      const user = aUser();
      const key = `key-${user.email}`;
      // Claim the key the way a running request does, then arrive as its duplicate.
      const scope = 'POST /auth/register';
      const requestHash = idempotencyRequestHash(app.latchkey.app.get(ServerSecrets), scope, user);
      const store = app.latchkey.app.get(IdempotencyStore);
      await expect(store.claim(scope, key, requestHash, app.clock.now())).resolves.toEqual({
        kind: 'claimed',
      });
      const response = await registerWith(key, user).expect(409);
      expect(response.body).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(/still being processed/),
      });
    });

    it('releases the key when the request fails, so a corrected retry may use it', async () => {
      const user = aUser();
      const key = `key-${user.email}`;
      await registerWith(key, { ...user, password: 'short' }).expect(400);
      await registerWith(key, user).expect(201);
    });

    it('refuses a malformed key', async () => {
      const response = await registerWith('has spaces in it', aUser()).expect(400);
      expect(response.body.details).toEqual([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    });
  });
});

describe('identity core: password hashes are upgraded at login', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ARGON2_MEMORY_KIB: '2048', ARGON2_TIME_COST: '2' } });
  });
  afterAll(() => app.close());

  it('re-hashes a stored hash with weaker parameters on the next successful login', async () => {
    const user = aUser();
    const { id } = await register(app, user);
    const weak = await new Argon2PasswordHasher({
      memoryKib: 1024,
      timeCost: 1,
      parallelism: 1,
      maxConcurrency: 1,
    }).hash(user.password);
    await app.latchkey.database.db.execute(sql`update accounts set password_hash = ${weak} where id = ${id}`);

    await login(app, user);
    const [account] = await rows<{ password_hash: string }>(
      app.latchkey.database,
      sql`select password_hash from accounts where id = ${id}`,
    );
    expect(account!.password_hash).toMatch(/^\$argon2id\$v=19\$m=2048,p=1,t=2\$/);
    await login(app, user); // and the new hash verifies
  });
});
