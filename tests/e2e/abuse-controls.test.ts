import request from 'supertest';
import { PasswordHasher } from '@latchkey/identity/testing';
import { rows, sql } from '@latchkey/platform/testing';
import { aUser, register, registerAndLogin, type TestUser } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

const WRONG = 'definitely not the passphrase';
const SETTINGS_OFF = {
  RATE_LIMIT_LOGIN_IP: '100000/1m',
  RATE_LIMIT_LOGIN_EMAIL: '100000/1m',
  RATE_LIMIT_REGISTER_IP: '100000/1m',
  RATE_LIMIT_REFRESH_IP: '100000/1m',
  RATE_LIMIT_LOGOUT_IP: '100000/1m',
  LOGIN_LOCKOUT_THRESHOLD: '10000',
};

function loginFrom(app: TestApp, ip: string | undefined, email: string, password = WRONG): request.Test {
  const call = app.api.post('/auth/login');
  if (ip) call.set('x-forwarded-for', ip);
  return call.send({ email, password });
}

function expectRateLimited(response: request.Response, limit: number): void {
  expect(response.status).toBe(429);
  expect(response.body).toMatchObject({ code: 'RATE_LIMITED' });
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.headers['ratelimit-limit']).toBe(String(limit));
  expect(response.headers['ratelimit-remaining']).toBe('0');
}

describe('rate limits per route class (memory store)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: {
        ...SETTINGS_OFF,
        // The test client connects over loopback, standing in for a load balancer there.
        TRUST_PROXY: 'loopback',
        RATE_LIMIT_LOGIN_IP: '3/1m',
        RATE_LIMIT_LOGIN_EMAIL: '4/15m',
        RATE_LIMIT_REGISTER_IP: '2/1h',
        RATE_LIMIT_REFRESH_IP: '2/1m',
        RATE_LIMIT_PASSWORD_RESET_IP: '4/15m',
        RATE_LIMIT_PASSWORD_RESET_EMAIL: '2/1h',
        RATE_LIMIT_VERIFY_REQUEST_IP: '3/15m',
        RATE_LIMIT_VERIFY_REQUEST_EMAIL: '2/1h',
        RATE_LIMIT_TOKEN_CONFIRM_IP: '3/15m',
      },
    });
  });
  afterAll(() => app.close());

  it('login: per client IP, at the configured count, with IETF headers, until the window passes', async () => {
    const ip = '203.0.113.7';
    for (const remaining of ['2', '1', '0']) {
      const response = await loginFrom(app, ip, aUser().email).expect(401);
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(response.headers['ratelimit-remaining']).toBe(remaining);
      expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    expectRateLimited(await loginFrom(app, ip, aUser().email), 3);
    await loginFrom(app, '203.0.113.8', aUser().email).expect(401); // another client is not affected

    app.clock.advanceSeconds(61);
    await loginFrom(app, ip, aUser().email).expect(401);
  });

  it('login: per client address and normalised email, so no other address can spend the budget', async () => {
    const email = aUser().email;
    const ip = '198.51.100.1';
    for (let i = 1; i <= 3; i++)
      await loginFrom(app, ip, i % 2 ? email : ` ${email.toUpperCase()} `).expect(401);
    app.clock.advanceSeconds(61); // past the per-IP window (3/1m); the per-address-and-email one (4/15m) runs on
    await loginFrom(app, ip, email).expect(401);
    expectRateLimited(await loginFrom(app, ip, email), 4);
    await loginFrom(app, '198.51.100.99', email).expect(401); // the same address from elsewhere
    await loginFrom(app, ip, aUser().email).expect(401); // another address from here
  });

  it('register: per client IP, one budget for /v1 and its unversioned alias', async () => {
    const ip = '192.0.2.44';
    await app.api.post('/v1/auth/register').set('x-forwarded-for', ip).send(aUser()).expect(201);
    await app.api.post('/auth/register').set('x-forwarded-for', ip).send(aUser()).expect(201);
    expectRateLimited(await app.api.post('/v1/auth/register').set('x-forwarded-for', ip).send(aUser()), 2);
    expectRateLimited(await app.api.post('/auth/register').set('x-forwarded-for', ip).send(aUser()), 2);
  });

  it('refresh: per client IP', async () => {
    const { tokens } = await registerAndLogin(app); // from the socket address, not the limited IP
    const ip = '192.0.2.45';
    let refreshToken = tokens.refreshToken;
    for (let i = 0; i < 2; i++) {
      const response = await app.api
        .post('/auth/refresh')
        .set('x-forwarded-for', ip)
        .send({ refreshToken })
        .expect(200);
      refreshToken = response.body.refreshToken;
    }
    expectRateLimited(
      await app.api.post('/auth/refresh').set('x-forwarded-for', ip).send({ refreshToken }),
      2,
    );
  });

  it('password reset requests: per email, alike for existing and unknown addresses, and per IP', async () => {
    const user = aUser();
    await app.api.post('/auth/register').set('x-forwarded-for', '192.0.2.60').send(user).expect(201);
    const ask = (email: string, ip: string) =>
      app.api.post('/auth/password-reset/request').set('x-forwarded-for', ip).send({ email });
    for (const email of [user.email, aUser().email]) {
      await ask(email, '192.0.2.61').expect(202);
      await ask(email.toUpperCase(), '192.0.2.62').expect(202);
      expectRateLimited(await ask(email, '192.0.2.63'), 2);
    }
    const ip = '192.0.2.64';
    for (let i = 0; i < 4; i++) await ask(aUser().email, ip).expect(202);
    expectRateLimited(await ask(aUser().email, ip), 4);
  });

  it('verification requests and token confirmations: per IP (and per email when one is named)', async () => {
    const email = aUser().email;
    const ask = (ip: string) =>
      app.api.post('/auth/verify/request').set('x-forwarded-for', ip).send({ email });
    await ask('192.0.2.70').expect(202);
    await ask('192.0.2.71').expect(202);
    expectRateLimited(await ask('192.0.2.72'), 2);

    const ip = '192.0.2.73';
    const confirm = () =>
      app.api.post('/auth/verify/confirm').set('x-forwarded-for', ip).send({ email, code: '123456' });
    for (let i = 0; i < 3; i++) await confirm().expect(400);
    expectRateLimited(await confirm(), 3);
    // Reset confirmations have a budget of their own.
    await app.api
      .post('/auth/password-reset/confirm')
      .set('x-forwarded-for', ip)
      .send({ token: 'unknown', newPassword: 'whatever it is, long enough' })
      .expect(400);
  });

  it('answers an existing and an unknown email with the same status, body and headers', async () => {
    const user = aUser();
    await app.api.post('/auth/register').set('x-forwarded-for', '192.0.2.200').send(user).expect(201);
    const attempt = (email: string, ip: string) =>
      loginFrom(app, ip, email).set('x-request-id', 'identical-request-id').expect(401);
    const known = await attempt(user.email, '192.0.2.201');
    const unknown = await attempt(aUser().email, '192.0.2.202');
    const { date: _a, ...knownHeaders } = known.headers;
    const { date: _b, ...unknownHeaders } = unknown.headers;
    expect(unknown.text).toBe(known.text);
    expect(unknownHeaders).toEqual(knownHeaders);
  });
});

describe('client IP without a trusted proxy (TRUST_PROXY off)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ...SETTINGS_OFF, RATE_LIMIT_LOGIN_IP: '3/1m' } });
  });
  afterAll(() => app.close());

  it('ignores X-Forwarded-For: a spoofed header does not reset the limit', async () => {
    for (let i = 1; i <= 3; i++) await loginFrom(app, `10.9.8.${i}`, aUser().email).expect(401);
    expectRateLimited(await loginFrom(app, '10.9.8.200', aUser().email), 3);
    expectRateLimited(await loginFrom(app, undefined, aUser().email), 3);
  });
});

describe('progressive account protection', () => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp({
      env: {
        ...SETTINGS_OFF,
        LOGIN_LOCKOUT_THRESHOLD: '3',
        LOGIN_LOCKOUT_BASE: '30s',
        LOGIN_LOCKOUT_MAX: '2m',
      },
    });
  });
  beforeEach(async () => {
    user = aUser();
    await register(app, user);
  });
  afterAll(() => app.close());

  const attempt = (email: string, password: string) =>
    app.api.post('/auth/login').set('x-request-id', 'lockout-request-id').send({ email, password });

  it('locks from the Nth failure for windows that double up to the cap, refusing even the right password', async () => {
    for (let i = 0; i < 3; i++) await attempt(user.email, WRONG).expect(401); // the 3rd opens 30 s
    const refused = await attempt(user.email, user.password).expect(401);
    expect(refused.body).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid email or password' });
    app.clock.advanceSeconds(29);
    await attempt(user.email, user.password).expect(401);

    // Each further failure, once the window has passed, opens the next one: 60 s, 120 s, then the cap.
    for (const window of [60, 120, 120]) {
      app.clock.advanceSeconds(2); // we stood one second before the end of the previous window
      await attempt(user.email, WRONG).expect(401);
      app.clock.advanceSeconds(window - 1);
      await attempt(user.email, user.password).expect(401); // still refused, one second before its end
    }

    const locks = await rows<{ data: { lockedForSeconds: number } }>(
      app.latchkey.database,
      sql`select data from auth_events where type = 'UserAccountLocked' and data->>'email' = ${user.email} order by occurred_at`,
    );
    expect(locks.map((lock) => lock.data.lockedForSeconds)).toEqual([30, 60, 120, 120]);
    const suspicious = await rows(
      app.latchkey.database,
      sql`select id from auth_events where type = 'SuspiciousActivityDetected' and data->>'email' = ${user.email}`,
    );
    expect(suspicious).toHaveLength(4); // one per window, however many refusals it saw
  });

  it('is never permanent: once the window passes, the right password works and resets the count', async () => {
    for (let i = 0; i < 3; i++) await attempt(user.email, WRONG).expect(401);
    await attempt(user.email, user.password).expect(401);
    app.clock.advanceSeconds(31);
    await attempt(user.email, user.password).expect(200);
    // Reset: two more failures open no lock.
    await attempt(user.email, WRONG).expect(401);
    await attempt(user.email, WRONG).expect(401);
    await attempt(user.email, user.password).expect(200);
  });

  it('treats an unknown email identically, attempt for attempt', async () => {
    const unknown = aUser().email;
    const sequence = async (email: string, password: string) => {
      const answers: string[] = [];
      for (let i = 0; i < 5; i++) answers.push((await attempt(email, i === 4 ? password : WRONG)).text);
      return answers;
    };
    expect(await sequence(unknown, 'whatever it may be')).toEqual(await sequence(user.email, user.password));
  });

  it('lets at most N of 50 parallel wrong guesses reach a password verification', async () => {
    // Every argon2 verification goes through verify() (verifyDummy delegates to it).
    const hasher = app.latchkey.app.get(PasswordHasher);
    const verify = jest.spyOn(hasher, 'verify');
    try {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          request(app.server).post('/auth/login').send({ email: user.email, password: WRONG }),
        ),
      );
      expect(responses.every((response) => response.status === 401)).toBe(true);
      expect(verify).toHaveBeenCalledTimes(3);

      verify.mockClear();
      const unknown = aUser().email;
      await Promise.all(
        Array.from({ length: 50 }, () =>
          request(app.server).post('/auth/login').send({ email: unknown, password: WRONG }),
        ),
      );
      expect(verify).toHaveBeenCalledTimes(3);
    } finally {
      verify.mockRestore();
    }
  });
});
