import { rows, sql } from '@latchkey/platform/testing';
import { aUser, login, me, PASSWORD, refresh, register, type TestUser } from '../support/auth';
import { type CaughtMail, codeOf, linkOf, linkTokenOf, MailCatcher } from '../support/mail-catcher';
import { startTestApp, type TestApp } from '../support/test-app';

const NEW_PASSWORD = 'another perfectly long passphrase';
const APP_BASE_URL = 'https://app.example.test';

let mail: MailCatcher;
let app: TestApp;

beforeAll(async () => {
  mail = await MailCatcher.start();
  app = await startTestApp({
    env: {
      SMTP_URL: mail.url,
      MAIL_FROM: 'Latchkey <no-reply@example.test>',
      APP_BASE_URL,
      // Low enough for the lockout case below; no other case here fails a login.
      LOGIN_LOCKOUT_THRESHOLD: '3',
    },
  });
});
afterAll(async () => {
  await app.close();
  await mail.stop();
});

/** Registers and returns the user with the verification email it was sent. */
async function registered(
  overrides: Partial<TestUser> = {},
): Promise<{ user: TestUser; userId: string; welcome: CaughtMail }> {
  const user = aUser(overrides);
  const { id } = await register(app, user);
  return { user, userId: id, welcome: await mail.waitFor(user.email) };
}

async function requestReset(email: string) {
  return app.api.post('/auth/password-reset/request').send({ email }).expect(202);
}

/** Asks for a reset and returns the token of the link that arrives (the `n`-th email to the address). */
async function resetToken(email: string, nth: number): Promise<string> {
  await requestReset(email);
  const message = await mail.waitFor(email, nth);
  expect(message.subject).toBe('Reset your password');
  return linkTokenOf(message);
}

describe('password reset', () => {
  it('answers a known and an unknown address identically, and emails only the known one', async () => {
    const { user } = await registered();
    const stranger = aUser().email;
    const known = await requestReset(user.email);
    const unknown = await requestReset(stranger);

    expect(unknown.body).toEqual(known.body);
    // Per request: the ids (API Gateway's too, on the serverless deployment), the date, the counters.
    const varying = new Set([
      'x-request-id',
      'apigw-requestid',
      'date',
      'ratelimit-remaining',
      'ratelimit-reset',
    ]);
    const shape = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !varying.has(name)));
    expect(shape(unknown.headers)).toEqual(shape(known.headers));

    await mail.waitFor(user.email, 2); // the verification email, then the reset link
    await app.flushMail();
    expect(mail.to(stranger)).toHaveLength(0);
  });

  it('sets a new password once, ends every session, and tells the owner', async () => {
    const { user } = await registered();
    const phone = await login(app, user, 'phone');
    const laptop = await login(app, user, 'laptop');
    const token = await resetToken(user.email, 2);

    // The link points at the application, from configuration.
    const link = linkOf(mail.to(user.email)[1]!);
    expect(`${link.origin}${link.pathname}`).toBe(`${APP_BASE_URL}/reset-password`);

    // A password the policy refuses leaves the token usable.
    const weak = await app.api
      .post('/auth/password-reset/confirm')
      .send({ token, newPassword: 'password' })
      .expect(400);
    expect(weak.body.code).toBe('VALIDATION_FAILED');
    // The policy names the field the client sent, not the registration's `password`.
    expect(new Set((weak.body.details as { field: string }[]).map((detail) => detail.field))).toEqual(
      new Set(['newPassword']),
    );

    await app.api.post('/auth/password-reset/confirm').send({ token, newPassword: NEW_PASSWORD }).expect(204);

    const reused = await app.api
      .post('/auth/password-reset/confirm')
      .send({ token, newPassword: NEW_PASSWORD })
      .expect(400);
    expect(reused.body.code).toBe('INVALID_TOKEN');

    await app.api.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(401);
    await login(app, { ...user, password: NEW_PASSWORD });
    for (const tokens of [phone, laptop]) {
      await refresh(app, tokens.refreshToken).expect(401);
      await me(app, tokens.accessToken).expect(401);
    }

    const notice = await mail.waitFor(user.email, 3);
    expect(notice.subject).toBe('Your password was changed');
  });

  it('lets exactly one of ten concurrent confirms with one token through', async () => {
    const { user } = await registered();
    const token = await resetToken(user.email, 2);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        app.api.post('/auth/password-reset/confirm').send({ token, newPassword: `${NEW_PASSWORD} ${i}` }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([204, ...Array<number>(9).fill(400)]);
    expect(responses.filter((r) => r.status === 400).every((r) => r.body.code === 'INVALID_TOKEN')).toBe(
      true,
    );

    // The winner's password is the one that works.
    const winner = responses.findIndex((response) => response.status === 204);
    await login(app, { ...user, password: `${NEW_PASSWORD} ${winner}` });
  });

  it('voids the previous link when another is requested, and expires links after PASSWORD_RESET_TTL', async () => {
    const { user } = await registered();
    const first = await resetToken(user.email, 2);
    const second = await resetToken(user.email, 3);
    const confirm = (token: string) =>
      app.api.post('/auth/password-reset/confirm').send({ token, newPassword: NEW_PASSWORD });
    expect((await confirm(first).expect(400)).body.code).toBe('INVALID_TOKEN');

    app.clock.advanceSeconds(30 * 60 + 1);
    expect((await confirm(second).expect(400)).body.code).toBe('INVALID_TOKEN');
    expect((await confirm('not-a-token-at-all').expect(400)).body.code).toBe('INVALID_TOKEN');
  });

  it('works for an address under login protection, and lifts the protection', async () => {
    const { user } = await registered();
    for (let i = 0; i < 3; i++)
      await app.api
        .post('/auth/login')
        .send({ email: user.email, password: 'a wrong guess, again' })
        .expect(401);
    await app.api.post('/auth/login').send({ email: user.email, password: user.password }).expect(401);

    const token = await resetToken(user.email, 2);
    await app.api.post('/auth/password-reset/confirm').send({ token, newPassword: NEW_PASSWORD }).expect(204);
    await login(app, { ...user, password: NEW_PASSWORD });
  });
});

describe('email verification', () => {
  it('is sent on registration with a link to APP_BASE_URL (never the Host header) and a code', async () => {
    const user = aUser();
    await app.api.post('/auth/register').set('host', 'evil.example').send(user).expect(201);
    const welcome = await mail.waitFor(user.email);
    expect(welcome.subject).toBe('Verify your email address');
    const link = linkOf(welcome);
    expect(`${link.origin}${link.pathname}`).toBe(`${APP_BASE_URL}/verify-email`);
    expect(welcome.text).not.toContain('evil.example');
    expect(welcome.html).toContain(link.href.replace(/&/g, '&amp;'));
    expect(codeOf(welcome)).toMatch(/^\d{6}$/);
  });

  it('verifies with the code, and /auth/me shows it', async () => {
    const { user, welcome } = await registered();
    const tokens = await login(app, user);
    expect((await me(app, tokens.accessToken).expect(200)).body.emailVerified).toBe(false);

    const verified = await app.api
      .post('/auth/verify/confirm')
      .send({ email: user.email.toUpperCase(), code: codeOf(welcome) })
      .expect(200);
    expect(verified.body).toMatchObject({ email: user.email, emailVerified: true });
    expect((await me(app, tokens.accessToken).expect(200)).body.emailVerified).toBe(true);

    // Used: the same code again is refused.
    const again = await app.api
      .post('/auth/verify/confirm')
      .send({ email: user.email, code: codeOf(welcome) });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVALID_TOKEN');
  });

  it('verifies with the link token, once', async () => {
    const { welcome } = await registered();
    const token = linkTokenOf(welcome);
    const verified = await app.api.post('/auth/verify/confirm').send({ token }).expect(200);
    expect(verified.body.emailVerified).toBe(true);
    expect((await app.api.post('/auth/verify/confirm').send({ token }).expect(400)).body.code).toBe(
      'INVALID_TOKEN',
    );
  });

  it('refuses wrong codes, and after five of them the right one too', async () => {
    const { user, welcome } = await registered();
    const right = codeOf(welcome);
    const wrong = right === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      const response = await app.api
        .post('/auth/verify/confirm')
        .send({ email: user.email, code: wrong })
        .expect(400);
      expect(response.body.code).toBe('INVALID_TOKEN');
    }
    await app.api.post('/auth/verify/confirm').send({ email: user.email, code: right }).expect(400);
    // The link of that email is a separate secret, still good.
    await app.api
      .post('/auth/verify/confirm')
      .send({ token: linkTokenOf(welcome) })
      .expect(200);
  });

  it('records every wrong code in the audit trail, whether the address has an account or not', async () => {
    const { user, userId, welcome } = await registered();
    const wrong = codeOf(welcome) === '000000' ? '000001' : '000000';
    const stranger = aUser().email;
    await app.api.post('/auth/verify/confirm').send({ email: user.email, code: wrong }).expect(400);
    await app.api.post('/auth/verify/confirm').send({ email: stranger, code: wrong }).expect(400);
    // A row each: the refusal writes alike for both, so it commits alike (see verify-confirm-timing).
    const refusals = await rows<{ user_id: string | null; email: string }>(
      app.latchkey.database,
      sql`select user_id, data->>'email' as email from auth_events
          where type = 'EmailVerificationCodeRefused' and data->>'email' in (${user.email}, ${stranger})
          order by occurred_at, id`,
    );
    expect(refusals).toEqual([
      { user_id: userId, email: user.email },
      { user_id: null, email: stranger },
    ]);
  });

  it('counts five parallel wrong codes as five', async () => {
    const { user, welcome } = await registered();
    const right = codeOf(welcome);
    const wrongCodes = Array.from({ length: 8 }, (_, i) =>
      String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    await Promise.all(
      wrongCodes.map((code) =>
        app.api.post('/auth/verify/confirm').send({ email: user.email, code }).expect(400),
      ),
    );
    await app.api.post('/auth/verify/confirm').send({ email: user.email, code: right }).expect(400);
  });

  describe('twenty wrong codes per account per day, across resent codes', () => {
    /** Five wrong codes on each of `codes` codes, resending after each (the cooldown waited out). */
    async function spendWrongCodes(codes: number) {
      const { user, welcome } = await registered();
      const tokens = await login(app, user);
      let latest = welcome;
      for (let n = 1; n <= codes; n++) {
        const wrong = codeOf(latest) === '000000' ? '000001' : '000000';
        for (let i = 0; i < 5; i++) {
          await app.api.post('/auth/verify/confirm').send({ email: user.email, code: wrong }).expect(400);
        }
        app.clock.advanceSeconds(61);
        await app.api
          .post('/auth/verify/request')
          .set('authorization', `Bearer ${tokens.accessToken}`)
          .send({})
          .expect(202);
        latest = await mail.waitFor(user.email, n + 1);
      }
      const confirmCode = (email: CaughtMail) =>
        app.api.post('/auth/verify/confirm').send({ email: user.email, code: codeOf(email) });
      return { user, latest, confirmCode };
    }

    it("refuses even a fresh code's right value once they are spent; the link still verifies", async () => {
      const { latest, confirmCode } = await spendWrongCodes(4);
      const refused = await confirmCode(latest).expect(400);
      expect(refused.body.code).toBe('INVALID_TOKEN');
      const verified = await app.api
        .post('/auth/verify/confirm')
        .send({ token: linkTokenOf(latest) })
        .expect(200);
      expect(verified.body.emailVerified).toBe(true);
    });

    it('accepts codes again once the wrong ones are a day old', async () => {
      const { user, confirmCode } = await spendWrongCodes(4);
      app.clock.advanceSeconds(24 * 3600);
      await app.api.post('/auth/verify/request').send({ email: user.email }).expect(202);
      const next = await mail.waitFor(user.email, 6);
      expect((await confirmCode(next).expect(200)).body.emailVerified).toBe(true);
    });

    it('still accepts a fresh code after fifteen wrong ones', async () => {
      const { latest, confirmCode } = await spendWrongCodes(3);
      await confirmCode(latest).expect(200);
    });
  });

  it('expires after EMAIL_VERIFICATION_TTL', async () => {
    const { user, welcome } = await registered();
    app.clock.advanceSeconds(24 * 3600 + 1);
    await app.api
      .post('/auth/verify/confirm')
      .send({ email: user.email, code: codeOf(welcome) })
      .expect(400);
    await app.api
      .post('/auth/verify/confirm')
      .send({ token: linkTokenOf(welcome) })
      .expect(400);
  });

  it('resends to a signed-in user after the cooldown, voiding the previous code', async () => {
    const { user, welcome } = await registered();
    const tokens = await login(app, user);
    const resend = () =>
      app.api.post('/auth/verify/request').set('authorization', `Bearer ${tokens.accessToken}`).send({});

    // A signed-in request needs no body at all.
    const bodiless = await app.api
      .post('/auth/verify/request')
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .expect(429);
    expect(bodiless.body.code).toBe('RATE_LIMITED');

    const early = await resend().expect(429);
    expect(early.body.code).toBe('RATE_LIMITED');
    expect(Number(early.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(early.headers['retry-after'])).toBeLessThanOrEqual(60);

    app.clock.advanceSeconds(61);
    await resend().expect(202);
    const second = await mail.waitFor(user.email, 2);
    await app.api
      .post('/auth/verify/confirm')
      .send({ email: user.email, code: codeOf(welcome) })
      .expect(400);
    await app.api
      .post('/auth/verify/confirm')
      .send({ token: linkTokenOf(welcome) })
      .expect(400);
    await app.api
      .post('/auth/verify/confirm')
      .send({ email: user.email, code: codeOf(second) })
      .expect(200);

    const done = await resend().expect(409);
    expect(done.body.code).toBe('CONFLICT');
  });

  it('sends an account at most ten verification emails in 24 hours, registration included', async () => {
    const { user } = await registered();
    const tokens = await login(app, user);
    const resend = () =>
      app.api.post('/auth/verify/request').set('authorization', `Bearer ${tokens.accessToken}`).send({});
    for (let n = 2; n <= 10; n++) {
      app.clock.advanceSeconds(61);
      await resend().expect(202);
      await mail.waitFor(user.email, n); // delivered, not withdrawn by the next resend
    }
    app.clock.advanceSeconds(61);
    const refused = await resend().expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    // The first email (at registration, 10 × 61 s ago) leaves the window 24 h after it was sent.
    expect(Number(refused.headers['retry-after'])).toBe(24 * 3600 - 10 * 61);
    // An anonymous request for the address is answered as ever, and sends nothing either.
    await app.api.post('/auth/verify/request').send({ email: user.email }).expect(202);
    await app.flushMail();
    expect(mail.to(user.email)).toHaveLength(10);
  });

  it('answers anonymous requests the same for unknown, verified and cooling-down addresses', async () => {
    const { user } = await registered();
    const answers = await Promise.all(
      [user.email, aUser().email].map((email) =>
        app.api.post('/auth/verify/request').send({ email }).expect(202),
      ),
    );
    expect(answers[1]!.body).toEqual(answers[0]!.body);
    await app.flushMail();
    expect(mail.to(user.email)).toHaveLength(1); // within the cooldown: nothing new was sent
  });

  it('refuses a request that names no address or both a bearer and an address', async () => {
    await app.api.post('/auth/verify/request').send({}).expect(400);
    const { user } = await registered();
    const tokens = await login(app, user);
    await app.api
      .post('/auth/verify/request')
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .send({ email: user.email })
      .expect(400);
    await app.api.post('/auth/verify/confirm').send({ token: 'x', code: '123456' }).expect(400);
    await app.api.post('/auth/verify/confirm').send({ email: user.email, code: '12345' }).expect(400);
  });
});

describe('password change', () => {
  it('checks the current password, ends the other sessions, keeps this one, and tells the owner', async () => {
    const { user } = await registered();
    const here = await login(app, user, 'here');
    const elsewhere = await login(app, user, 'elsewhere');
    const change = (body: object) =>
      app.api.post('/auth/password/change').set('authorization', `Bearer ${here.accessToken}`).send(body);

    const wrong = await change({
      currentPassword: 'not my password at all',
      newPassword: NEW_PASSWORD,
    }).expect(400);
    expect(wrong.body.details).toEqual([{ field: 'currentPassword', message: 'is incorrect' }]);
    const weak = await change({ currentPassword: user.password, newPassword: 'short' }).expect(400);
    expect(weak.body.code).toBe('VALIDATION_FAILED');
    // The policy names the field the client sent, not the registration's `password`.
    expect(new Set((weak.body.details as { field: string }[]).map((detail) => detail.field))).toEqual(
      new Set(['newPassword']),
    );

    await change({ currentPassword: user.password, newPassword: NEW_PASSWORD }).expect(204);
    await refresh(app, elsewhere.refreshToken).expect(401);
    await me(app, elsewhere.accessToken).expect(401);
    await me(app, here.accessToken).expect(200);
    await refresh(app, here.refreshToken).expect(200);
    await login(app, { ...user, password: NEW_PASSWORD });
    expect((await mail.waitFor(user.email, 2)).subject).toBe('Your password was changed');
  });

  it('requires a bearer token', async () => {
    await app.api
      .post('/auth/password/change')
      .send({ currentPassword: 'x', newPassword: NEW_PASSWORD })
      .expect(401);
  });
});

describe('enumeration-safe registration (REGISTER_UNIFORM_RESPONSE=true)', () => {
  let uniform: TestApp;
  beforeAll(async () => {
    uniform = await startTestApp({ env: { SMTP_URL: mail.url, REGISTER_UNIFORM_RESPONSE: 'true' } });
  });
  afterAll(() => uniform.close());

  it('answers 202 alike for a new and a taken address; the owner is told, nothing is created', async () => {
    const user = aUser();
    const created = await uniform.api.post('/auth/register').send(user).expect(202);
    const taken = await uniform.api
      .post('/auth/register')
      .send({ ...user, name: 'Someone Else' })
      .expect(202);
    expect(taken.body).toEqual(created.body);

    await mail.waitFor(user.email, 2);
    const subjects = mail
      .to(user.email)
      .map((message) => message.subject)
      .sort();
    expect(subjects).toEqual([
      'Someone tried to sign up with your email address',
      'Verify your email address',
    ]);
    await login(uniform, user); // the first registration's password, not the second's
  });
});
