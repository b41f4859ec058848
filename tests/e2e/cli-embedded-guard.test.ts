import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aUser, claimsOf } from '../support/auth';
import { type Instance, postJson, startInstance, stopInstances } from '../support/processes';
import { describeEmbeddedOnly } from '../support/test-environment';

const CLI = path.resolve(__dirname, '..', '..', 'apps', 'api', 'dist', 'cli');

interface Run {
  code: number;
  out: string;
  err: string;
}

/** `node apps/api/dist/cli/<script>.js …`, as `pnpm keys …` runs it, in its own process. */
function cli(env: Record<string, string>, script: string, ...argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(CLI, `${script}.js`), ...argv],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

interface Snapshot {
  kids: string[];
  roles: unknown;
  sessions: number;
}

// The embedded database only: with PostgreSQL the API and the CLI share a server (runbooks.test).
describeEmbeddedOnly('operator commands beside a running API on PGlite', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let api: Instance;
  const user = aUser();
  let accessToken: string;
  let kid: string;

  const snapshot = async (): Promise<Snapshot> => {
    const jwks = (await (await fetch(`${api.url}/jwks`)).json()) as { keys: { kid: string }[] };
    const login = await postJson(`${api.url}/auth/login`, { email: user.email, password: user.password });
    const { accessToken: fresh } = (await login.json()) as { accessToken: string };
    const sessions = await fetch(`${api.url}/auth/sessions`, {
      headers: { authorization: `Bearer ${fresh}` },
    });
    return {
      kids: jwks.keys.map((key) => key.kid).sort(),
      roles: claimsOf(fresh).roles,
      // Each snapshot logs in once more: the count before and after differs by exactly that.
      sessions: ((await sessions.json()) as { items: unknown[] }).items.length,
    };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-cli-guard-'));
    // A fixed issuer: each start listens on another port, which the default issuer follows.
    env = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      JWT_ISSUER: 'http://latchkey.test',
    };
    api = await startInstance(env);
    expect((await postJson(`${api.url}/auth/register`, user)).status).toBe(201);
    const login = await postJson(`${api.url}/auth/login`, { email: user.email, password: user.password });
    accessToken = ((await login.json()) as { accessToken: string }).accessToken;
    kid = (await snapshot()).kids[0]!;
  }, 90_000);

  afterAll(async () => {
    await stopInstances([api]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses every command while the API holds the directory, and changes nothing', async () => {
    const before = await snapshot();
    const pem = path.join(dataDir, 'import.pem');
    writeFileSync(
      pem,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    const sessionId = claimsOf(accessToken).sid as string;
    const commands: [string, ...string[]][] = [
      ['users', 'grant-admin', user.email],
      ['keys', 'add'],
      ['keys', 'activate', kid, '--force'],
      ['keys', 'retire', kid],
      ['keys', 'remove', kid],
      ['keys', 'revoke', kid],
      ['keys', 'import', pem],
      ['sessions', 'revoke', '--user', user.email],
      ['sessions', 'revoke', '--session', sessionId],
      ['sessions', 'revoke', '--all'],
      ['audit-events', 'purge', '--older-than', '400d'],
      ['users', 'void-reset-links', user.email],
      ['mail', 'retry', '0190a5b2-0000-7000-8000-000000000001'],
      ['migrate'],
      // Reads too: opening the files from a second process is what corrupts them.
      ['keys', 'list'],
      ['sessions', 'list', '--user', user.email],
      ['audit-events', 'list', '--email', user.email],
      ['mail', 'list', '--to', user.email],
    ];
    for (const [script, ...argv] of commands) {
      const run = await cli(env, script, ...argv);
      expect({ command: [script, ...argv].join(' '), code: run.code }).toEqual({
        command: [script, ...argv].join(' '),
        code: 1,
      });
      expect(run.out).toBe('');
      expect(run.err).toContain(
        `refused: the embedded database in ${path.join(dataDir, 'pglite')} is in use`,
      );
      expect(run.err).toContain(`pid ${api.child.pid}`);
      expect(run.err).toMatch(/Stop that process .* or set DATABASE_URL/);
    }

    const after = await snapshot();
    expect(after).toEqual({ ...before, sessions: before.sessions + 1 });
    expect(after.roles).not.toContain('admin');
    const me = await fetch(`${api.url}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
  }, 120_000);

  it('runs once the API has stopped, and the API serves what it wrote', async () => {
    await stopInstances([api]);
    expect(existsSync(`${path.join(dataDir, 'pglite')}.lock`)).toBe(false);
    const granted = await cli(env, 'users', 'grant-admin', user.email);
    expect(granted).toMatchObject({ code: 0, out: expect.stringContaining('is an admin') });

    api = await startInstance(env);
    expect((await snapshot()).roles).toContain('admin');
  }, 90_000);

  it('takes over the claim of an API that was killed', async () => {
    api.child.kill('SIGKILL');
    await new Promise((resolve) => api.child.once('exit', resolve));
    expect(existsSync(`${path.join(dataDir, 'pglite')}.lock`)).toBe(true);
    const listed = await cli(env, 'keys', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual(expect.arrayContaining([expect.objectContaining({ kid })]));

    // …and the API starts after it, on the data it left.
    api = await startInstance(env);
    expect((await snapshot()).roles).toContain('admin');
  }, 90_000);

  it('refuses a second API on the same directory, naming the first', async () => {
    await expect(startInstance(env)).rejects.toThrow(
      new RegExp(`embedded database in .* is in use by the Latchkey API \\(pid ${api.child.pid}`),
    );
    const me = await fetch(`${api.url}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
  }, 60_000);
});
