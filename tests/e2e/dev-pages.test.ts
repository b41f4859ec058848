import request from 'supertest';
import { aUser, register } from '../support/auth';
import { MailCatcher } from '../support/mail-catcher';
import { startTestApp, type TestApp } from '../support/test-app';

/** The link in an email, e.g. http://localhost:3000/verify-email?token=…, as a path on this API. */
function linkIn(text: string, path: string): string {
  const match = new RegExp(`https?://[^\\s/]+(${path}\\?token=[^\\s]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in:\n${text}`);
  return match[1]!;
}

const DEVELOPMENT = { NODE_ENV: 'development', ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2' };

const tokenOf = (pathAndQuery: string) => new URL(pathAndQuery, 'http://x').searchParams.get('token')!;

describe('development pages for the links in emails (APP_BASE_URL unset)', () => {
  let mail: MailCatcher;
  let app: TestApp;
  beforeAll(async () => {
    mail = await MailCatcher.start();
    // Development holds argon2 to OWASP's floor, which the suites' cheap settings are below.
    app = await startTestApp({ env: { ...DEVELOPMENT, SMTP_URL: mail.url } });
  });
  afterAll(async () => {
    await app?.close();
    await mail.stop();
  });

  it('answers the verification link with a page whose script confirms the token with the API', async () => {
    const user = aUser();
    await register(app, user);
    const link = linkIn((await mail.waitFor(user.email)).text, '/verify-email');

    const page = await request(app.server).get(link).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script src="/dev-pages/account-pages.js" defer></script>');
    expect(page.text).toContain('data-page="verify"');
    // Its script runs under the API's CSP (script-src 'self': no inline code) and posts here.
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await request(app.server).get('/dev-pages/account-pages.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain("post('/v1/auth/verify/confirm', { token: token })");

    // What the script sends, the API accepts: the address is verified.
    const confirmed = await app.api
      .post('/v1/auth/verify/confirm')
      .send({ token: tokenOf(link) })
      .expect(200);
    expect(confirmed.body).toMatchObject({ email: user.email, emailVerified: true });
  });

  it('answers the reset link with a form whose script sets the new password', async () => {
    const user = aUser();
    await register(app, user);
    await mail.waitFor(user.email);
    await app.api.post('/auth/password-reset/request').send({ email: user.email }).expect(202);
    await app.flushMail();
    const link = linkIn((await mail.waitFor(user.email, 2)).text, '/reset-password');

    const page = await request(app.server).get(link).expect(200);
    expect(page.text).toContain('data-page="reset"');
    expect(page.text).toContain('name="newPassword"');
    const script = await request(app.server).get('/dev-pages/account-pages.js').expect(200);
    expect(script.text).toContain("post('/v1/auth/password-reset/confirm', { token: token, newPassword:");

    const newPassword = 'a brand new and long passphrase';
    await app.api
      .post('/v1/auth/password-reset/confirm')
      .send({ token: tokenOf(link), newPassword })
      .expect(204);
    await app.api.post('/auth/login').send({ email: user.email, password: newPassword }).expect(200);
  });

  it('are not served outside development, nor once APP_BASE_URL names the web app', async () => {
    for (const env of [{ NODE_ENV: 'test' }, { ...DEVELOPMENT, APP_BASE_URL: 'https://app.example.test' }]) {
      const other = await startTestApp({ env });
      try {
        for (const path of [
          '/verify-email?token=x',
          '/reset-password?token=x',
          '/dev-pages/account-pages.js',
        ])
          await request(other.server).get(path).expect(404);
      } finally {
        await other.close();
      }
    }
  });
});
