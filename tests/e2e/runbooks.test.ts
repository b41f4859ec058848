import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Client } from 'pg';
import pino from 'pino';
import { runMigrateCli } from '../../apps/api/src/cli/migrate';
import { loadConfig } from '../../apps/api/src/api-config';
import { historyTableOf, openDatabase } from '@latchkey/platform';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';
import { rows, sql } from '@latchkey/platform/testing';
import { claimsOf, headerOf, login, me, refresh, registerAndLogin } from '../support/auth';
import { BusyClient, untilPublished } from '../support/busy-client';
import { auditEvents, type CliResult, events, keys, listKeys, mail, sessions, users } from '../support/cli';
import { EventSink, publishingTo, testExchange } from '../support/event-sink';
import { EventRelay } from '@latchkey/platform-messaging';
import { linkTokenOf, MailCatcher } from '../support/mail-catcher';
import { startTestApp, type TestApp } from '../support/test-app';

const RUNBOOKS = path.resolve(__dirname, '..', '..', 'docs', 'runbooks');

/** The command lines of one `## section` of a runbook: every line of its ```sh blocks. */
function runbookSection(file: string, heading: string): string[] {
  const text = readFileSync(path.join(RUNBOOKS, file), 'utf8');
  const section = text.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (!section) throw new Error(`${file} has no section "${heading}"`);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.trim().split('\n'));
}

/** The operator commands a runbook may use, as `pnpm <tool> …`. */
const OPERATOR_COMMANDS: Record<string, (app: TestApp, ...argv: string[]) => Promise<CliResult>> = {
  keys,
  sessions,
  users,
  'audit-events': auditEvents,
  mail,
  events,
};

interface RunbookStep {
  line: string;
  result?: CliResult;
}

/**
 * Runs runbook lines as an operator would: `pnpm keys …` and `pnpm sessions …` through the real
 * CLI entry points, `<placeholders>` filled from `vars` (and from what earlier commands printed),
 * `# wait N s` by moving the clock (through the client, when one is working meanwhile).
 */
async function perform(
  app: TestApp,
  lines: string[],
  vars: Record<string, string>,
  client?: BusyClient,
): Promise<RunbookStep[]> {
  const steps: RunbookStep[] = [];
  for (const line of lines) {
    const wait = /^# wait (\d+) s/.exec(line);
    if (wait) {
      if (client) await client.live(Number(wait[1]));
      else app.clock.advanceSeconds(Number(wait[1]));
      steps.push({ line });
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const command = line.replace(/<([a-z-]+)>/g, (_, name: string) => {
      if (!(name in vars)) throw new Error(`no value for <${name}> in "${line}"`);
      return vars[name]!;
    });
    const [pnpm, tool, ...argv] = command.split(/\s+/);
    const cli = pnpm === 'pnpm' ? OPERATOR_COMMANDS[tool ?? ''] : undefined;
    if (!cli) throw new Error(`not a runbook command: ${line}`);
    const run = cli(app, ...argv);
    const [result] = await Promise.all([run, client?.exercise(1)]);
    if (result.code !== 0) throw new Error(`"${command}" exited ${result.code}: ${result.err}`);
    const added = /^added (\S+)/.exec(result.out);
    if (added) vars['new-kid'] = added[1]!;
    // `mail list`: the newest message is the first row under the header.
    const newest = tool === 'mail' && argv[0] === 'list' ? /^([0-9a-f-]{36})\t/m.exec(result.out) : null;
    if (newest) vars['message-id'] = newest[1]!;
    steps.push({ line, result });
  }
  return steps;
}

async function activeKid(app: TestApp): Promise<string> {
  return (await listKeys(app)).find((key) => key.state === 'active')!.kid;
}

describe('runbook: key-rotation.md', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp({ env: { KEYS_STORE: 'database' } });
  });
  afterEach(() => app.close());

  it('"Planned rotation", command by command, logs nobody out', async () => {
    const client = new BusyClient(app, (await registerAndLogin(app)).tokens);
    const vars = { 'old-kid': await activeKid(app) };
    const steps = await perform(app, runbookSection('key-rotation.md', 'Planned rotation'), vars, client);

    expect(steps.map((step) => step.line)).toEqual([
      'pnpm keys list',
      'pnpm keys add',
      '# wait 300 s (JWKS_CACHE_TTL_SECONDS)',
      'pnpm keys activate <new-kid>',
      '# wait 930 s (ACCESS_TOKEN_TTL_SECONDS + 30 s leeway)',
      'pnpm keys remove <old-kid>',
      'pnpm keys list',
    ]);
    expect(client.failures).toEqual([]);
    expect(client.kids).toEqual(new Set([vars['old-kid'], (vars as Record<string, string>)['new-kid']]));
    expect((await listKeys(app)).map((key) => key.state)).toEqual(['active']);
  });

  it('"Rollback" re-activates the previous key at once', async () => {
    const { tokens } = await registerAndLogin(app);
    const vars: Record<string, string> = { 'old-kid': await activeKid(app) };
    const planned = runbookSection('key-rotation.md', 'Planned rotation');
    await perform(app, planned.slice(0, planned.indexOf('pnpm keys activate <new-kid>') + 1), vars);
    await perform(app, runbookSection('key-rotation.md', 'Rollback'), vars);

    const refreshed = await refresh(app, tokens.refreshToken).expect(200);
    expect(headerOf(refreshed.body.accessToken).kid).toBe(vars['old-kid']);
    expect(Object.fromEntries((await listKeys(app)).map((key) => [key.kid, key.state]))).toEqual({
      [vars['old-kid']!]: 'active',
      [vars['new-kid']!]: 'retired',
    });
  });
});

describe('runbook: key-compromise.md', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { KEYS_STORE: 'database' } });
  });
  afterAll(() => app.close());

  it('"Revoke": the key’s tokens are refused at once; refresh keeps every session alive', async () => {
    const { tokens } = await registerAndLogin(app);
    const compromised = headerOf(tokens.accessToken).kid as string;
    await perform(app, runbookSection('key-compromise.md', 'Revoke'), { 'compromised-kid': compromised });

    await untilPublished(app, (kids) => !kids.includes(compromised));
    await me(app, tokens.accessToken).expect(401);
    const refreshed = await refresh(app, tokens.refreshToken).expect(200);
    expect(headerOf(refreshed.body.accessToken).kid).not.toBe(compromised);
    await me(app, refreshed.body.accessToken).expect(200);
  });
});

/** jwks-cache.md's verifier; only the cooldown is shortened, as a test cannot wait 30 s. */
function documentedVerifier(app: TestApp, url: string) {
  const jwks = createRemoteJWKSet(new URL(`${url}/jwks`), { cacheMaxAge: 300_000, cooldownDuration: 0 });
  return (token: string) =>
    jwtVerify(token, jwks, {
      algorithms: ['RS256'],
      issuer: 'http://localhost:3000',
      audience: 'latchkey',
      typ: 'at+jwt',
      clockTolerance: 30,
      currentDate: app.clock.now(),
    });
}

describe('runbook: jwks-cache.md', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { KEYS_STORE: 'database' } });
    await app.latchkey.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('the documented jose verifier follows an emergency rotation by refetching on the unknown kid', async () => {
    const verify = documentedVerifier(app, await app.latchkey.app.getUrl());

    const { tokens } = await registerAndLogin(app);
    await expect(verify(tokens.accessToken)).resolves.toMatchObject({
      payload: { sub: claimsOf(tokens.accessToken).sub },
    });

    const before = headerOf(tokens.accessToken).kid as string;
    await keys(app, 'revoke', before); // the emergency path: no cache wait for the replacement
    await untilPublished(app, (kids) => !kids.includes(before));
    const refreshed = await refresh(app, tokens.refreshToken).expect(200);
    await expect(verify(refreshed.body.accessToken)).resolves.toBeDefined(); // unknown kid → refetched
    await expect(verify(tokens.accessToken)).rejects.toThrow(); // the refetched set no longer has it
  });
});

describe('runbook: jwks-cache.md, making verifiers refetch', () => {
  let app: TestApp;
  let url: string;
  beforeEach(async () => {
    app = await startTestApp({ env: { KEYS_STORE: 'database' } });
    await app.latchkey.app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.latchkey.app.getUrl();
  });
  afterEach(() => app.close());

  const section = () => runbookSection('jwks-cache.md', 'Making verifiers refetch (cache bust)');

  it('"Ahead of time": the published set changes at once (a revalidation gets it), activation follows the wait', async () => {
    const lines = section();
    const planned = lines.slice(0, lines.indexOf('pnpm keys activate <new-kid>') + 1);
    expect(planned).toEqual([
      'pnpm keys add',
      '# wait 300 s (JWKS_CACHE_TTL_SECONDS)',
      'pnpm keys activate <new-kid>',
    ]);
    const first = await fetch(`${url}/jwks`);
    const etag = first.headers.get('etag')!;
    const vars: Record<string, string> = {};
    await perform(app, planned.slice(0, 1), vars);
    // What a verifier that respects max-age does when its copy expires: revalidate, and get the new set.
    const revalidated = await fetch(`${url}/jwks`, { headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(200);
    const kids = ((await revalidated.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
    expect(kids).toContain(vars['new-kid']);
    // Activating before the wait is refused; after it, it works.
    expect((await keys(app, 'activate', vars['new-kid']!)).code).toBe(1);
    await perform(app, planned.slice(1), vars);
    const { tokens } = await registerAndLogin(app);
    expect(headerOf(tokens.accessToken).kid).toBe(vars['new-kid']);
  });

  it('"At once": the documented verifier meets the new kid and refetches, with no wait', async () => {
    const lines = section();
    const emergency = lines.slice(lines.indexOf('pnpm keys activate <new-kid>') + 1);
    expect(emergency).toEqual(['pnpm keys add', 'pnpm keys activate <new-kid> --force']);
    const verify = documentedVerifier(app, url);
    const { tokens } = await registerAndLogin(app);
    await verify(tokens.accessToken); // the verifier now holds the old set, for 300 s

    const vars: Record<string, string> = {};
    await perform(app, emergency, vars);
    const refreshed = await refresh(app, tokens.refreshToken).expect(200);
    expect(headerOf(refreshed.body.accessToken).kid).toBe(vars['new-kid']);
    await expect(verify(refreshed.body.accessToken)).resolves.toBeDefined();
    await expect(verify(tokens.accessToken)).resolves.toBeDefined(); // the old key is still published
  });
});

/**
 * The status `request` answers within half a second of wall time: NOTIFY is delivered after the
 * commit, asynchronously. The test clock stands still, so the 5 s cache never expires by itself.
 */
async function eventually(request: () => PromiseLike<{ status: number }>, status: number): Promise<void> {
  const deadline = Date.now() + 500;
  let last = (await request()).status;
  while (last !== status && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = (await request()).status;
  }
  expect(last).toBe(status);
}

describe('runbook: session-revocation.md', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('"Look, then revoke": one session, then every session of the user', async () => {
    const { user, tokens: laptop } = await registerAndLogin(app);
    const phone = await login(app, user, 'phone');
    const bystander = await registerAndLogin(app);
    const [list, revokeOne, revokeAll] = runbookSection('session-revocation.md', 'Look, then revoke');
    const vars = { email: user.email, 'session-id': claimsOf(phone.accessToken).sid as string };

    // The API has checked both access tokens, so it holds their sessions' status in its cache.
    await me(app, phone.accessToken).expect(200);
    await me(app, laptop.accessToken).expect(200);
    const [listed] = await perform(app, [list!], vars);
    expect(listed!.result!.out).toContain(vars['session-id']);
    expect(listed!.result!.out).toContain('phone');

    // "At once": the command runs in a process (context) of its own; the API's cache hears of it.
    await perform(app, [revokeOne!], vars);
    await refresh(app, phone.refreshToken).expect(401);
    await eventually(() => me(app, phone.accessToken), 401);
    const stillIn = await refresh(app, laptop.refreshToken).expect(200);

    await me(app, stillIn.body.accessToken).expect(200);
    await perform(app, [revokeAll!], vars);
    await refresh(app, stillIn.body.refreshToken).expect(401);
    await eventually(() => me(app, stillIn.body.accessToken), 401);
    await me(app, bystander.tokens.accessToken).expect(200);

    const events = await rows<{ data: { by: string } }>(
      app.latchkey.database,
      sql`select data from auth_events where type = 'SessionRevoked' and user_id = ${claimsOf(phone.accessToken).sub as string}`,
    );
    expect(events.map((event) => event.data.by)).toEqual(['operator', 'operator']);
  });

  it('refuses an unknown user or session with exit code 1, and bad usage with 2', async () => {
    expect((await sessions(app, 'revoke', '--user', 'nobody@example.com')).code).toBe(1);
    expect((await sessions(app, 'revoke', '--session', '0190c3a6-9a7e-7cc4-8f00-000000000000')).code).toBe(1);
    expect((await sessions(app, 'revoke')).code).toBe(2);
    expect((await sessions(app, 'revoke', '--all', '--user', 'someone@example.com')).code).toBe(2);
    expect((await sessions(app, 'revoke', '--all=yes')).code).toBe(2);
  });
});

describe('runbook: session-revocation.md, everyone at once', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('"Everyone, at once": every session of every user ends, with an event each; running it again is safe', async () => {
    const alice = await registerAndLogin(app);
    const alicePhone = await login(app, alice.user, 'phone');
    const bob = await registerAndLogin(app);
    const everyone = [alice.tokens, alicePhone, bob.tokens];
    const [revokeEveryone] = runbookSection('session-revocation.md', 'Everyone, at once');

    const [step] = await perform(app, [revokeEveryone!], {});
    expect(step!.result!.out).toBe('revoked 3 session(s)');
    for (const tokens of everyone) {
      await refresh(app, tokens.refreshToken).expect(401);
      await me(app, tokens.accessToken).expect(401);
    }
    const events = await rows<{ session_id: string; data: { by: string } }>(
      app.latchkey.database,
      sql`select session_id, data from auth_events where type = 'SessionRevoked'`,
    );
    expect(events.map((event) => event.session_id).sort()).toEqual(
      everyone.map((tokens) => claimsOf(tokens.accessToken).sid as string).sort(),
    );
    expect(events.every((event) => event.data.by === 'operator')).toBe(true);

    // Signing in again works; a second run ends that session too, and a third finds nothing left.
    const again = await login(app, alice.user);
    const [second] = await perform(app, [revokeEveryone!], {});
    expect(second!.result!.out).toBe('revoked 1 session(s)');
    await refresh(app, again.refreshToken).expect(401);
    const [third] = await perform(app, [revokeEveryone!], {});
    expect(third!.result!.out).toBe('revoked 0 session(s)');
  });
});

describe('runbook: migrations.md', () => {
  const io = { out: () => undefined, err: (line: string) => process.stderr.write(`${line}\n`) };

  it('`pnpm db:migrate` migrates a fresh database, and running it again changes nothing', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-migrate-'));
    const serverUrl = process.env.TEST_DATABASE_URL;
    const name = `latchkey_migrate_${process.pid}`;
    let env: Record<string, string> = { NODE_ENV: 'test', DATA_DIR: dataDir };
    if (serverUrl) {
      const admin = new Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${name}`);
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      env = { ...env, DATABASE_URL: url.toString() };
    }
    try {
      expect(await runMigrateCli(io, { env })).toBe(0);
      expect(await runMigrateCli(io, { env })).toBe(0);
      const database = await openDatabase(loadConfig(env).platform.database, pino({ level: 'silent' }));
      try {
        // Each package's stream ran, recorded in its own history; a fresh database has no legacy one.
        for (const stream of MIGRATION_PLAN.streams) {
          const [history] = await rows<{ n: number | string }>(
            database,
            sql`select count(*) as n from ${sql.identifier('drizzle')}.${sql.identifier(historyTableOf(stream))}`,
          );
          const files = readdirSync(stream.folder).filter((name) => name.endsWith('.sql'));
          expect({ stream: stream.name, applied: Number(history!.n) }).toEqual({
            stream: stream.name,
            applied: files.length,
          });
        }
        const [legacy] = await rows<{ present: boolean }>(
          database,
          sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
        );
        expect(legacy!.present).toBe(false);
        await rows(database, sql`select 1 from signing_keys limit 1`); // the latest table exists
      } finally {
        await database.close();
      }
    } finally {
      if (serverUrl) {
        const admin = new Client({ connectionString: serverUrl });
        await admin.connect();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('runbook: password-reset.md', () => {
  let app: TestApp;
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await MailCatcher.start();
    app = await startTestApp({
      env: {
        SMTP_URL: catcher.url,
        MAIL_FROM: 'Latchkey <no-reply@example.test>',
        LOGIN_LOCKOUT_THRESHOLD: '3',
        // A failed send waits 10 minutes: long enough that only `mail retry` can explain a send.
        MAIL_RETRY_BASE: '10m',
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await catcher.stop();
  });

  const eventsIn = (step: RunbookStep | undefined) =>
    step!
      .result!.out.split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; ip: string | null; data: Record<string, unknown> });

  /** Asks for a reset and returns the token of the link that arrives. */
  async function resetLink(email: string): Promise<string> {
    await app.flushMail(); // whatever was queued before (the verification email) is out first
    const before = catcher.to(email).length;
    await app.api.post('/v1/auth/password-reset/request').send({ email }).expect(202);
    await app.flushMail();
    return linkTokenOf(await catcher.waitFor(email, before + 1));
  }

  it('"Read what happened" and "A user locked out": the lockout is in the trail, and a reset ends it', async () => {
    const { user } = await registerAndLogin(app);
    for (let i = 0; i < 3; i++) {
      await app.api
        .post('/v1/auth/login')
        .send({ email: user.email, password: 'not the password at all' })
        .expect(401);
    }
    await app.api.post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(401); // locked: even the right password, answered as a wrong one

    const [all] = await perform(app, runbookSection('password-reset.md', 'Read what happened'), {
      email: user.email,
    });
    expect(eventsIn(all).map((event) => event.type)).toEqual(
      expect.arrayContaining(['UserRegistered', 'UserLoggedIn', 'UserLoginFailed', 'UserAccountLocked']),
    );
    const [locked] = await perform(app, runbookSection('password-reset.md', 'A user locked out'), {
      email: user.email,
    });
    const types = new Set(eventsIn(locked).map((event) => event.type));
    expect(types).toEqual(
      new Set(['UserLoginFailed', 'UserAccountLocked', 'SuspiciousActivityDetected', 'UserLoggedIn']),
    );
    const lock = eventsIn(locked).find((event) => event.type === 'UserAccountLocked')!;
    expect(lock.data).toMatchObject({ consecutiveFailures: 3, lockedForSeconds: expect.any(Number) });

    // "The way back in at once is a password reset."
    await app.api
      .post('/v1/auth/password-reset/confirm')
      .send({ token: await resetLink(user.email), newPassword: 'a brand new long passphrase' })
      .expect(204);
    await app.api
      .post('/v1/auth/login')
      .send({ email: user.email, password: 'a brand new long passphrase' })
      .expect(200);
  });

  it('"The reset mail never arrived": the trail and the outbox show a relay outage; mail retry sends at once', async () => {
    const { user } = await registerAndLogin(app);
    await app.flushMail();
    await catcher.waitFor(user.email, 1); // the verification email, sent while the relay was up
    const lines = runbookSection('password-reset.md', 'The reset mail never arrived');
    expect(lines).toEqual([
      'pnpm audit-events list --email <email> --type PasswordResetRequested',
      'pnpm mail list --to <email>',
      'pnpm mail retry <message-id>',
    ]);

    await catcher.stop();
    app.clock.advanceSeconds(1); // the reset email is then the newest, as it would be in real time
    await app.api.post('/v1/auth/password-reset/request').send({ email: user.email }).expect(202);
    await app.flushMail(); // one attempt, refused: the relay is down
    const vars: Record<string, string> = { email: user.email };
    const [requested, listed] = await perform(app, lines.slice(0, 2), vars);
    expect(eventsIn(requested)).toEqual([
      expect.objectContaining({
        type: 'PasswordResetRequested',
        data: { email: user.email, emailSent: true },
      }),
    ]);
    const newest = listed!.result!.out.split('\n')[1]!.split('\t');
    expect(newest.slice(0, 5)).toEqual([
      vars['message-id'],
      expect.any(String),
      'password-reset',
      'retrying',
      '1',
    ]);
    expect(newest[6]).not.toBe('-'); // the relay's error

    await catcher.restart();
    await app.flushMail();
    expect(catcher.to(user.email)).toHaveLength(1); // not due for ten minutes
    await perform(app, lines.slice(2), vars);
    await app.flushMail();
    expect((await catcher.waitFor(user.email, 2)).subject).toBe('Reset your password');
    expect((await mail(app, 'retry', vars['message-id']!)).code).toBe(1); // sent: nothing waits

    // An address without an account: recorded, and nothing sent, as the page says.
    const stranger = `nobody-${Date.now()}@example.com`;
    await app.api.post('/v1/auth/password-reset/request').send({ email: stranger }).expect(202);
    await app.flushMail();
    const [unknown, none] = await perform(app, lines.slice(0, 2), { email: stranger });
    expect(eventsIn(unknown)).toEqual([
      expect.objectContaining({
        type: 'PasswordResetRequested',
        data: { email: stranger, emailSent: false },
      }),
    ]);
    expect(none!.result!.out).toContain(`(no email to ${stranger} in the outbox)`);
  });

  it('"A reset link may have leaked", unused: the link stops working, sessions end, nothing is sent', async () => {
    const { user, tokens } = await registerAndLogin(app);
    const leaked = await resetLink(user.email);
    const sentBefore = catcher.to(user.email).length;
    const steps = await perform(app, runbookSection('password-reset.md', 'A reset link may have leaked'), {
      email: user.email,
    });
    expect(eventsIn(steps[0]).map((event) => event.type)).toEqual(['PasswordResetRequested', 'UserLoggedIn']);
    expect(steps[1]!.result!.out).toBe(`voided 1 unused password-reset link(s) of ${user.email}`);
    expect(steps[2]!.result!.out).toContain('revoked 1 session');

    await app.api
      .post('/v1/auth/password-reset/confirm')
      .send({ token: leaked, newPassword: 'an intruder chose this one' })
      .expect(400);
    await refresh(app, tokens.refreshToken).expect(401);
    await app.api.post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    await app.flushMail();
    expect(catcher.to(user.email)).toHaveLength(sentBefore);
    const [voided] = await rows<{ data: { count: number; by: string } }>(
      app.latchkey.database,
      sql`select data from auth_events where type = 'PasswordResetLinksVoided' and user_id = ${claimsOf(tokens.accessToken).sub as string}`,
    );
    expect(voided!.data).toEqual({ by: 'operator', count: 1 });
  });

  it('"A reset link may have leaked", used: the intruder shows in the trail and loses the sessions they opened', async () => {
    const { user } = await registerAndLogin(app);
    const leaked = await resetLink(user.email);
    const intruderPassword = 'the intruder now knows this';
    await app.api
      .post('/v1/auth/password-reset/confirm')
      .set('user-agent', 'intruder-browser')
      .send({ token: leaked, newPassword: intruderPassword })
      .expect(204);
    const intruder = await login(app, { ...user, password: intruderPassword });

    const steps = await perform(app, runbookSection('password-reset.md', 'A reset link may have leaked'), {
      email: user.email,
    });
    const completed = eventsIn(steps[0]).find((event) => event.type === 'PasswordResetCompleted');
    expect(completed).toMatchObject({ userAgent: 'intruder-browser' });
    expect(steps[1]!.result!.out).toBe(`voided 0 unused password-reset link(s) of ${user.email}`);
    await refresh(app, intruder.refreshToken).expect(401);
    await eventually(() => me(app, intruder.accessToken), 401);

    // The user resets again from their own mailbox and is back in; the intruder's password is gone.
    await app.api
      .post('/v1/auth/password-reset/confirm')
      .send({ token: await resetLink(user.email), newPassword: 'mine again and long enough' })
      .expect(204);
    await app.api.post('/v1/auth/login').send({ email: user.email, password: intruderPassword }).expect(401);
    await app.api
      .post('/v1/auth/login')
      .send({ email: user.email, password: 'mine again and long enough' })
      .expect(200);
  });
});

describe('runbook: events.md', () => {
  const exchange = testExchange();
  let app: TestApp;
  let sink: EventSink;
  beforeAll(async () => {
    app = await startTestApp({
      env: publishingTo(exchange),
    });
    sink = new EventSink({ exchange, database: app.db.database, maxAttempts: 2, retryDelayMs: 50 });
    await sink.consumer.start();
  });
  afterAll(async () => {
    await sink.consumer.stop();
    await app.close();
  });
  const linesOf = (step: RunbookStep) =>
    step
      .result!.out.split('\n')
      .map((line) => JSON.parse(line) as { type: string; delivery: { state: string } });

  it('"See what was published", "The broker is down" and "A consumer lost its data"', async () => {
    const { userId } = await registerAndLogin(app);
    await sink.until(() => sink.of(userId).length === 3);
    // Consumers can have an event before the relay has marked it published: let the relay finish.
    await app.latchkey.app.get(EventRelay).idle();
    const [published] = await perform(app, runbookSection('events.md', 'See what was published'), {
      'user-id': userId,
    });
    expect(linesOf(published!).map((line) => [line.type, line.delivery.state])).toEqual([
      ['latchkey.identity.user.registered.v1', 'published'],
      ['latchkey.identity.user.logged_in.v1', 'published'],
      ['latchkey.identity.session.created.v1', 'published'],
    ]);
    const [waiting] = await perform(app, runbookSection('events.md', 'The broker is down'), {});
    expect(linesOf(waiting!).length).toBeGreaterThanOrEqual(3);

    const duplicates = sink.consumer.stats.duplicates;
    const [replayed] = await perform(app, runbookSection('events.md', 'A consumer lost its data'), {});
    expect(replayed!.result!.out).toMatch(/^queued \d+ published event/);
    await sink.until(() => sink.consumer.stats.duplicates >= duplicates + 3);
    expect(sink.of(userId)).toHaveLength(3);
  });

  it('"Messages in a dead-letter queue" and "Drop a parked message"', async () => {
    const queue = sink.consumer.topology.queue;
    const [first, second] = [aUserFor('first'), aUserFor('second')];
    sink.fail = (event) => [first, second].includes(String(event.data.email));
    const firstId = (await app.api.post('/v1/auth/register').send(userNamed(first)).expect(201)).body
      .id as string;
    const secondId = (await app.api.post('/v1/auth/register').send(userNamed(second)).expect(201)).body
      .id as string;
    await sink.until(() => sink.consumer.stats.deadLettered === 2);
    // The two are handled side by side, so they reach the DLQ in either order: drop the second's.
    const [secondRegistered] = await rows<{ id: string }>(
      app.db.database,
      sql`select id from event_outbox where subject = ${secondId} and type = 'latchkey.identity.user.registered.v1'`,
    );
    const secondEvent = secondRegistered!.id;

    const [listed] = await perform(
      app,
      runbookSection('events.md', 'Messages in a dead-letter queue').slice(0, 1),
      {
        queue,
      },
    );
    expect(listed!.result!.out).toContain('2 parked');
    expect(listed!.result!.out).toContain(secondEvent);
    await perform(app, runbookSection('events.md', 'Drop a parked message'), {
      queue,
      'event-id': secondEvent,
    });

    sink.fail = () => false;
    const [, requeued] = await perform(app, runbookSection('events.md', 'Messages in a dead-letter queue'), {
      queue,
    });
    expect(requeued!.result!.out).toContain('requeued 1');
    await sink.until(() => sink.of(firstId).length === 1);
  });
});

function aUserFor(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}
function userNamed(email: string) {
  return { email, password: 'a long and unremarkable passphrase', name: 'Parked' };
}
