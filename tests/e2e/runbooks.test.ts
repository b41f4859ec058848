import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Client } from 'pg';
import pino from 'pino';
import { runMigrateCli } from '../../apps/api/src/cli/migrate';
import { loadConfig } from '../../apps/api/src/platform/config/app-config';
import { MIGRATIONS_FOLDER } from '../../apps/api/src/platform/database/database';
import { openDatabase } from '../../apps/api/src/platform/database/open-database';
import { rows, sql } from '../../apps/api/src/testing/sql';
import { claimsOf, headerOf, login, me, refresh, registerAndLogin } from '../support/auth';
import { BusyClient, untilPublished } from '../support/busy-client';
import { type CliResult, keys, listKeys, sessions } from '../support/cli';
import { startTestApp, type TestApp } from '../support/test-app';

const RUNBOOKS = path.resolve(__dirname, '..', '..', 'docs', 'runbooks');

/** The command lines of one `## section` of a runbook: every line of its ```sh blocks. */
function runbookSection(file: string, heading: string): string[] {
  const text = readFileSync(path.join(RUNBOOKS, file), 'utf8');
  const section = text.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (!section) throw new Error(`${file} has no section "${heading}"`);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.trim().split('\n'));
}

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
    if (pnpm !== 'pnpm' || (tool !== 'keys' && tool !== 'sessions'))
      throw new Error(`not a runbook command: ${line}`);
    const run = tool === 'keys' ? keys(app, ...argv) : sessions(app, ...argv);
    const [result] = await Promise.all([run, client?.exercise(1)]);
    if (result.code !== 0) throw new Error(`"${command}" exited ${result.code}: ${result.err}`);
    const added = /^added (\S+)/.exec(result.out);
    if (added) vars['new-kid'] = added[1]!;
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

describe('runbook: jwks-cache.md', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { KEYS_STORE: 'database' } });
    await app.latchkey.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('the documented jose verifier follows an emergency rotation by refetching on the unknown kid', async () => {
    const url = await app.latchkey.app.getUrl();
    // The page's verifier; only the cooldown is shortened, as the test cannot wait 30 s.
    const jwks = createRemoteJWKSet(new URL(`${url}/jwks`), { cacheMaxAge: 300_000, cooldownDuration: 0 });
    const verify = (token: string) =>
      jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        issuer: 'http://localhost:3000',
        audience: 'latchkey',
        typ: 'at+jwt',
        clockTolerance: 30,
        currentDate: app.clock.now(),
      });

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
  const migrationCount = readdirSync(MIGRATIONS_FOLDER).filter((name) => name.endsWith('.sql')).length;
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
      const database = await openDatabase(loadConfig(env).database, pino({ level: 'silent' }));
      try {
        const [journal] = await rows<{ n: number | string }>(
          database,
          sql`select count(*) as n from drizzle.__drizzle_migrations`,
        );
        expect(Number(journal!.n)).toBe(migrationCount);
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
