// Ceilings for POST /auth/login and POST /auth/register beside argon2id's: the least a login or a
// registration that does the endpoint's work can cost on this machine. A bare Fastify server (no
// Nest, no rate limiter or lockout counters, no validation pipe, no use cases) doing only what
// each must, with the API's own statements, named and prepared as the API's are:
// - login: the account read, argon2id verify at the API's concurrency cap, a refresh token and its
//   keyed hash, the one write statement (session, first token, `UserLoggedIn`), the claims read,
//   and an RS256 access token signed with jose;
// - registration: argon2id hash at the same cap, the verification's link and code as keyed
//   hashes, the email's body sealed with AES-256-GCM, the one write statement (account, profile,
//   `UserRegistered`, the email in the outbox, the verification, `EmailVerificationSent`), and
//   the outbox claim and the `sent` update, as the API's dispatcher does after the commit.
import { Buffer } from 'node:buffer';
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  randomInt,
  randomUUID,
} from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { loadApiConfig, requireFromApi } from '../lib/api-modules.mjs';
import { openSql } from '../lib/database.mjs';
import { uuidV7 } from '../lib/ids.mjs';
import { ACCESS_CLAIMS } from '../lib/statements.mjs';

const argon2 = requireFromApi('argon2');
const fastify = requireFromApi('fastify');
const { Semaphore } = requireFromApi('@latchkey/identity/dist/adapters/crypto/semaphore.js');

// DrizzleAccountRepository.findByEmail.
const ACCOUNT_BY_EMAIL = `
  select "id", "email", "password_hash", "email_verified_at", "disabled_at", "deleted_at", "created_at"
  from "accounts" where (lower("accounts"."email") = $1 and "accounts"."deleted_at" is null) limit $2`;

const AUTH_EVENT = `insert into "auth_events" ("id", "type", "user_id", "session_id", "ip", "user_agent", "request_id", "occurred_at", "data")`;

// SessionStarter.open's write batch, as UnitOfWork.runWrites sends it: one statement.
const OPEN_SESSION = `
  with "w0" as (
    insert into "sessions" ("id", "user_id", "device_id", "user_agent", "ip", "created_at", "last_used_at",
      "expires_at", "idle_expires_at", "revoked_at", "revoke_reason", "reuse_detected_at", "active_organization_id")
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
  ), "w1" as (
    insert into "refresh_tokens" ("id", "session_id", "token_hash", "generation", "created_at", "rotated_at",
      "successor_id", "sealed_successor")
    values ($14, $15, $16, $17, $18, default, default, default)
  )
  ${AUTH_EVENT} values ($19, $20, $21, $22, $23, $24, $25, $26, $27)`;

// AccountOpener.open's write batch (RegisterUser), one statement.
const OPEN_ACCOUNT = `
  with "w0" as (
    insert into "accounts" ("id", "email", "password_hash", "email_verified_at", "disabled_at", "deleted_at",
      "created_at", "updated_at")
    values ($1, $2, $3, $4, $5, $6, $7, $8)
  ), "w1" as (
    insert into "profiles" ("user_id", "name", "roles", "created_at", "updated_at") values ($9, $10, $11, $12, $13)
  ), "w2" as (
    ${AUTH_EVENT} values ($14, $15, $16, $17, $18, $19, $20, $21, $22)
  ), "w3" as (
    insert into "email_outbox" ("id", "kind", "recipient", "subject", "body", "status", "attempts",
      "next_attempt_at", "locked_until", "last_error", "created_at", "settled_at")
    values ($23, $24, $25, $26, $27, $28, default, $29, default, default, $30, default)
  ), "w4" as (
    insert into "email_verifications" ("id", "account_id", "email", "token_hash", "code_hash",
      "failed_code_attempts", "created_at", "expires_at", "used_at", "voided_at", "message_id")
    values ($31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41)
  )
  ${AUTH_EVENT} values ($42, $43, $44, $45, $46, $47, $48, $49, $50)`;

// The outbox dispatcher's two statements (EmailOutbox.claimDue and .markSent).
const CLAIM_EMAILS = `
  update email_outbox set locked_until = $1::timestamptz
  where id in (
    select id from email_outbox
    where status = 'pending' and next_attempt_at <= $2::timestamptz
      and (locked_until is null or locked_until <= $3::timestamptz)
    order by next_attempt_at
    limit $4::int
    for update skip locked
  )
  returning id, kind, recipient, subject, body, attempts`;
const MARK_SENT = `
  update email_outbox
  set status = 'sent', body = null, settled_at = $1::timestamptz, locked_until = null, attempts = attempts + 1
  where id = $2::uuid`;

const later = (date, seconds) => new Date(date.getTime() + seconds * 1000);

/** AES-256-GCM, as the outbox seals a message body at rest: iv ‖ ciphertext ‖ tag, base64url. */
function sealer() {
  const key = randomBytes(32);
  return {
    seal(text) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    open(value) {
      const bytes = Buffer.from(value, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(-16));
      return Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]).toString('utf8');
    },
  };
}

process.once('message', async ({ databaseUrl, dataDir }) => {
  // Started with the API's environment: its argon2 parameters and cap, pool size, lifetimes.
  const config = loadApiConfig(process.env);
  const { auth, passwordHashing } = config;
  const sql = await openSql({ databaseUrl, dataDir, poolSize: config.database.poolMax });
  const hashing = new Semaphore(passwordHashing.maxConcurrency);
  const argon2Options = {
    type: argon2.argon2id,
    memoryCost: passwordHashing.memoryKib,
    timeCost: passwordHashing.timeCost,
    parallelism: passwordHashing.parallelism,
  };
  const pepper = Buffer.from(process.env.REFRESH_TOKEN_PEPPER, 'utf8');
  const keyedHash = (value) => createHmac('sha256', pepper).update(value, 'utf8').digest('base64url');
  const bodies = sealer();
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: config.keys.rsaBits });
  const kid = 'bare-password-endpoints';

  const app = fastify({ logger: false });
  // Handlers still running, whether or not their client is still there (see SIGTERM below).
  let inFlight = 0;
  const post = (url, handler) =>
    app.post(url, async (request, reply) => {
      inFlight++;
      try {
        return await handler(request, reply);
      } finally {
        inFlight--;
      }
    });
  const meta = (request) => [request.ip, request.headers['user-agent'] ?? null, randomUUID()];

  post('/auth/login', async (request, reply) => {
    const { email, password } = request.body ?? {};
    if (typeof email !== 'string' || typeof password !== 'string')
      return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    const [account] = await sql.query(ACCOUNT_BY_EMAIL, [email.toLowerCase(), 1], 'bench_login_account');
    const ok = account && (await hashing.run(() => argon2.verify(account.password_hash, password)));
    if (!ok) return reply.code(401).send({ code: 'INVALID_CREDENTIALS' });

    const now = new Date();
    const sessionId = uuidV7();
    const refreshToken = randomBytes(32).toString('base64url');
    const [ip, userAgent, requestId] = meta(request);
    await sql.query(
      OPEN_SESSION,
      [
        ...[sessionId, account.id, null, userAgent, ip, now, now],
        ...[
          later(now, auth.sessionMaxAgeSeconds),
          later(now, auth.refreshTokenTtlSeconds),
          null,
          null,
          null,
          null,
        ],
        ...[uuidV7(), sessionId, keyedHash(refreshToken), 0, now],
        ...[uuidV7(), 'UserLoggedIn', account.id, sessionId, ip, userAgent, requestId, now],
        JSON.stringify({ deviceId: null, passwordRehashed: false }),
      ],
      'bench_login_open_session',
    );
    const [claims] = await sql.query(ACCESS_CLAIMS, [account.id, 1], 'bench_login_claims');
    const iat = Math.floor(now.getTime() / 1000);
    const accessToken = await new SignJWT({ sid: sessionId, roles: claims.roles })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .setIssuer(auth.issuer)
      .setAudience(auth.audience)
      .setSubject(account.id)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + auth.accessTokenTtlSeconds)
      .sign(privateKey);
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return { accessToken, expiresIn: auth.accessTokenTtlSeconds, tokenType: 'Bearer', refreshToken };
  });

  // After a registration commits the API nudges its outbox dispatcher: one pass at a time, which
  // claims, opens, "sends" (the log transport, silent at LOG_LEVEL=warn) and marks sent, and goes
  // round once more if nudged meanwhile.
  const BATCH = 10;
  const pass = async () => {
    for (;;) {
      const now = new Date();
      const claimed = await sql.query(CLAIM_EMAILS, [later(now, 120), now, now, BATCH], 'bench_outbox_claim');
      for (const email of claimed) {
        bodies.open(email.body);
        await sql.query(MARK_SENT, [new Date(), email.id], 'bench_outbox_sent');
      }
      if (claimed.length < BATCH) return;
    }
  };
  let running;
  let again = false;
  const nudge = () => {
    if (running) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        nudge();
      }
    });
  };

  post('/auth/register', async (request, reply) => {
    const { email: given, password, name } = request.body ?? {};
    if (typeof given !== 'string' || typeof password !== 'string' || typeof name !== 'string')
      return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    const email = given.toLowerCase();
    const passwordHash = await hashing.run(() => argon2.hash(password, argon2Options));

    const now = new Date();
    const accountId = uuidV7();
    const messageId = randomUUID();
    const link = randomBytes(32).toString('base64url');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const text = `Confirm ${email} with code ${code} or ${config.mail.appBaseUrl}/verify-email?token=${link}`;
    const [ip, userAgent, requestId] = meta(request);
    try {
      await sql.query(
        OPEN_ACCOUNT,
        [
          ...[accountId, email, passwordHash, null, null, null, now, now],
          ...[accountId, name, '{user}', now, now],
          ...[uuidV7(), 'UserRegistered', accountId, null, ip, userAgent, requestId, now, '{}'],
          ...[
            messageId,
            'email-verification',
            email,
            'Verify your email address',
            bodies.seal(text.repeat(12)),
          ],
          ...['pending', now, now],
          ...[uuidV7(), accountId, email, keyedHash(link), keyedHash(code), 0, now],
          ...[later(now, auth.emailVerificationTtlSeconds), null, null, messageId],
          ...[uuidV7(), 'EmailVerificationSent', accountId, null, ip, userAgent, requestId, now, '{}'],
        ],
        'bench_register_open_account',
      );
    } catch (error) {
      if (error.code === '23505') return reply.code(409).send({ code: 'EMAIL_ALREADY_REGISTERED' });
      throw error;
    }
    nudge();
    return reply
      .code(201)
      .send({ id: accountId, email, name, createdAt: now.toISOString(), emailVerified: false });
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send({ type: 'ready', value: { port: app.server.address().port } });
  // A timed run ends with requests in flight whose clients are gone: their handlers (and the
  // outbox passes they start) finish before the pool closes.
  process.once('SIGTERM', async () => {
    await app.close();
    while (inFlight > 0 || running) await new Promise((resolve) => setTimeout(resolve, 10));
    await sql.close();
    process.exit(0);
  });
});
