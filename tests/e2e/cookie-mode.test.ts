import type request from 'supertest';
import { aUser, me, refresh, register, type TestUser } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

const APP_ORIGIN = 'https://app.example.com';
const COOKIE = '__Secure-lk_refresh';

function refreshCookieOf(response: request.Response): { value: string; attributes: string[] } {
  const header = ([] as string[])
    .concat(response.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith(`${COOKIE}=`));
  if (!header) throw new Error(`no ${COOKIE} cookie in ${JSON.stringify(response.headers['set-cookie'])}`);
  const [pair, ...attributes] = header.split(';').map((part) => part.trim());
  return { value: pair!.slice(COOKIE.length + 1), attributes };
}

describe('cookie mode (web clients)', () => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp({ env: { CORS_ORIGINS: APP_ORIGIN } });
    user = aUser();
    await register(app, user);
  });
  afterAll(() => app.close());

  const cookieLogin = (prefix = '') =>
    app.api
      .post(`${prefix}/auth/login`)
      .set('x-token-transport', 'cookie')
      .set('origin', APP_ORIGIN)
      .send({ email: user.email, password: user.password })
      .expect(200);

  const cookieRefresh = (cookie: string) =>
    app.api.post('/auth/refresh').set('cookie', `${COOKIE}=${cookie}`).send({});

  /** What a browser on the app's origin sends with the cookie. */
  const fromTheApp = (path: string, cookie: string) =>
    app.api
      .post(path)
      .set('cookie', `${COOKIE}=${cookie}`)
      .set('x-token-transport', 'cookie')
      .set('origin', APP_ORIGIN)
      .send({});

  it('sets the refresh token only as an HttpOnly, Secure, SameSite=Strict cookie scoped to /auth', async () => {
    const response = await cookieLogin();
    expect(response.body).not.toHaveProperty('refreshToken');
    expect(response.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const { value, attributes } = refreshCookieOf(response);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(attributes).toEqual(
      expect.arrayContaining([
        'HttpOnly',
        'Secure',
        'SameSite=Strict',
        'Path=/auth',
        `Max-Age=${7 * 86_400}`,
      ]),
    );
  });

  it('refreshes from the cookie with the transport header, rotating the cookie', async () => {
    const first = refreshCookieOf(await cookieLogin()).value;
    const response = await cookieRefresh(first)
      .set('x-token-transport', 'cookie')
      .set('origin', APP_ORIGIN)
      .expect(200);
    expect(response.body).not.toHaveProperty('refreshToken');
    const rotated = refreshCookieOf(response).value;
    expect(rotated).not.toBe(first);
    await me(app, response.body.accessToken).expect(200);
  });

  it('takes an empty JSON body on cookie-mode refresh and logout as no body (what fetch wrappers send)', async () => {
    const cookie = refreshCookieOf(await cookieLogin()).value;
    const refreshed = await app.api
      .post('/auth/refresh')
      .set('cookie', `${COOKIE}=${cookie}`)
      .set('x-token-transport', 'cookie')
      .set('origin', APP_ORIGIN)
      .set('content-type', 'application/json')
      .send('')
      .expect(200);
    await app.api
      .post('/auth/logout')
      .set('cookie', `${COOKIE}=${refreshCookieOf(refreshed).value}`)
      .set('x-token-transport', 'cookie')
      .set('origin', APP_ORIGIN)
      .set('content-type', 'application/json')
      .send('')
      .expect(204);
    // A route that needs fields still names each one.
    const login = await app.api
      .post('/auth/login')
      .set('content-type', 'application/json')
      .send('')
      .expect(400);
    expect((login.body.details as { field: string }[]).map((detail) => detail.field)).toEqual(
      expect.arrayContaining(['email', 'password']),
    );
  });

  it('refuses a cookie refresh without X-Token-Transport (CSRF), leaving the token valid', async () => {
    const cookie = refreshCookieOf(await cookieLogin()).value;
    const refused = await cookieRefresh(cookie).expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    await cookieRefresh(cookie).set('x-token-transport', 'cookie').expect(200);
  });

  it('refuses a cookie refresh from a foreign Origin, leaving the token valid', async () => {
    const cookie = refreshCookieOf(await cookieLogin()).value;
    await cookieRefresh(cookie)
      .set('x-token-transport', 'cookie')
      .set('origin', 'https://evil.example.net')
      .expect(403);
    await cookieRefresh(cookie).set('x-token-transport', 'cookie').set('origin', APP_ORIGIN).expect(200);
  });

  it('prefers a refresh token in the body (mobile) and never sets a cookie in body mode', async () => {
    const mobile = await app.api
      .post('/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(mobile.headers['set-cookie']).toBeUndefined();
    const refreshed = await refresh(app, mobile.body.refreshToken).expect(200);
    expect(refreshed.headers['set-cookie']).toBeUndefined();
    expect(refreshed.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('under /v1, scopes the cookie to /v1/auth, refreshes from it there and clears it there', async () => {
    const issued = refreshCookieOf(await cookieLogin('/v1'));
    expect(issued.attributes).toContain('Path=/v1/auth');
    const rotated = refreshCookieOf(await fromTheApp('/v1/auth/refresh', issued.value).expect(200));
    expect(rotated.attributes).toContain('Path=/v1/auth');
    const out = await fromTheApp('/v1/auth/logout', rotated.value).expect(204);
    expect(refreshCookieOf(out).attributes).toContain('Path=/v1/auth');
  });

  it('logs out from the cookie: revokes the session and clears the cookie', async () => {
    const login = await cookieLogin();
    const cookie = refreshCookieOf(login).value;
    const response = await app.api
      .post('/auth/logout')
      .set('cookie', `${COOKIE}=${cookie}`)
      .set('x-token-transport', 'cookie')
      .set('origin', APP_ORIGIN)
      .send({})
      .expect(204);
    const cleared = refreshCookieOf(response);
    expect(cleared.value).toBe('');
    expect(cleared.attributes).toEqual(expect.arrayContaining(['Path=/auth', 'HttpOnly', 'Secure']));
    expect(cleared.attributes.some((a) => a.startsWith('Expires=Thu, 01 Jan 1970'))).toBe(true);
    await cookieRefresh(cookie).set('x-token-transport', 'cookie').expect(401);
    await me(app, login.body.accessToken).expect(401);
  });

  it('refuses a cookie logout without the transport header (CSRF), leaving the session alive', async () => {
    const cookie = refreshCookieOf(await cookieLogin()).value;
    await app.api.post('/auth/logout').set('cookie', `${COOKIE}=${cookie}`).send({}).expect(403);
    await cookieRefresh(cookie).set('x-token-transport', 'cookie').expect(200);
  });
});

describe('cookie mode for a SPA on another site', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { REFRESH_COOKIE_SAMESITE: 'none' } });
  });
  afterAll(() => app.close());

  it('uses the configured SameSite attribute', async () => {
    const user = aUser();
    await register(app, user);
    const response = await app.api
      .post('/auth/login')
      .set('x-token-transport', 'cookie')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(refreshCookieOf(response).attributes).toEqual(expect.arrayContaining(['SameSite=None', 'Secure']));
  });
});
