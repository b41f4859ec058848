import type request from 'supertest';
import { aUser, register, type TestUser } from '../support/auth';
import { type CaughtMail, codeOf, linkTokenOf, MailCatcher } from '../support/mail-catcher';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 19, defect 4: ten wrong logins from any addresses filled the per-email limit, and the
 * owner still got 429 after resetting the password. With the default limits (only the per-IP
 * login limit is lifted, so one test client can stand in for many addresses), an attacker on
 * other addresses cannot keep the owner out, and a reset or a verification ends the protection
 * the attacker built up, for every address.
 */
const WRONG = 'definitely not the passphrase';
const NEW_PASSWORD = 'another perfectly long passphrase';
const LOCKOUT_MAX_SECONDS = 15 * 60;

let mail: MailCatcher;
let app: TestApp;
beforeAll(async () => {
  mail = await MailCatcher.start();
  app = await startTestApp({
    env: {
      SMTP_URL: mail.url,
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_LOGIN_EMAIL: '10/15m',
      LOGIN_LOCKOUT_THRESHOLD: '5',
      LOGIN_LOCKOUT_BASE: '30s',
      LOGIN_LOCKOUT_MAX: '15m',
    },
  });
});
afterAll(async () => {
  await app.close();
  await mail.stop();
});

function loginFrom(ip: string, email: string, password: string): request.Test {
  return app.api.post('/auth/login').set('x-forwarded-for', ip).send({ email, password });
}

/** Wrong guesses from `addresses` addresses of the attacker's, `each` from every one. */
async function attack(
  email: string,
  addresses: number,
  each: number,
  subnet = '203.0.113',
): Promise<number[]> {
  const statuses: number[] = [];
  for (let round = 0; round < each; round++)
    for (let i = 1; i <= addresses; i++)
      statuses.push((await loginFrom(`${subnet}.${i}`, email, WRONG)).status);
  return statuses;
}

async function registered(): Promise<{ user: TestUser; welcome: CaughtMail }> {
  const user = aUser();
  await register(app, user);
  return { user, welcome: await mail.waitFor(user.email) };
}

it('an attacker on other addresses fills every limit it can, and the owner still logs in at once', async () => {
  const { user } = await registered();
  const statuses = await attack(user.email, 12, 11);
  // The attacker met both limits: 401s while guessing (and while each address is locked), then
  // 429 once an address spent its ten requests for the account.
  expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
  expect(statuses.filter((status) => status === 429)).toHaveLength(12);
  await loginFrom('192.0.2.10', user.email, user.password).expect(200);
});

it('after a reset the owner logs in at once; the attacker keeps going and the owner still gets in within the cap', async () => {
  const { user } = await registered();
  // Before the fix: the eleventh request for the address, from any address, was 429 for everyone.
  await attack(user.email, 11, 1);
  await app.api
    .post('/auth/password-reset/request')
    .set('x-forwarded-for', '192.0.2.10')
    .send({ email: user.email });
  const token = linkTokenOf(await mail.waitFor(user.email, 2));
  await app.api.post('/auth/password-reset/confirm').send({ token, newPassword: NEW_PASSWORD }).expect(204);
  await loginFrom('192.0.2.10', user.email, NEW_PASSWORD).expect(200);

  // The attacker goes on from fresh addresses; the owner mistypes once, then waits at most one
  // window (LOGIN_LOCKOUT_MAX) for the next turn, however many guesses arrive meanwhile.
  await attack(user.email, 8, 1, '198.51.100');
  await loginFrom('192.0.2.10', user.email, 'a typo in the passphrase').expect(401);
  const refused = await loginFrom('192.0.2.10', user.email, NEW_PASSWORD).expect(401);
  expect(refused.body).toMatchObject({ code: 'UNAUTHORIZED' });
  for (let elapsed = 0; elapsed < LOCKOUT_MAX_SECONDS; elapsed += 60) {
    app.clock.advanceSeconds(60);
    await attack(user.email, 2, 1, `198.51.${elapsed / 60}`);
  }
  await loginFrom('192.0.2.10', user.email, NEW_PASSWORD).expect(200);
});

it('an email verification also ends the protection, even for the address the attacker shares with the owner', async () => {
  const { user, welcome } = await registered();
  // Behind one NAT: the attacker's guesses lock that address for the account.
  for (let i = 0; i < 6; i++) await loginFrom('192.0.2.77', user.email, WRONG).expect(401);
  await loginFrom('192.0.2.77', user.email, user.password).expect(401);

  await app.api
    .post('/auth/verify/confirm')
    .send({ email: user.email, code: codeOf(welcome) })
    .expect(200);
  await loginFrom('192.0.2.77', user.email, user.password).expect(200);
});
