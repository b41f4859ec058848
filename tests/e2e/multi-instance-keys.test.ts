import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runKeysCli } from '../../apps/api/src/cli/keys';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { aUser, headerOf } from '../support/auth';
import { type Instance, postJson, startInstance, stopInstances } from '../support/processes';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';

const REFRESH_SECONDS = 2;

const jwks = async (url: string) => {
  const response = await fetch(`${url}/jwks`);
  return { etag: response.headers.get('etag'), body: (await response.json()) as { keys: { kid: string }[] } };
};

// Two processes can share PostgreSQL, not an embedded PGlite: this runs where CI gives it a server.
(process.env.TEST_DATABASE_URL ? describe : describe.skip)('two API processes on one PostgreSQL', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  const instances: Instance[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(MIGRATION_PLAN);
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-multi-'));
    env = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url!,
      DATA_DIR: dataDir,
      // Every instance must agree on `iss`; the default derives it from the (differing) port.
      JWT_ISSUER: 'https://auth.example.test',
      KEYS_STORE: 'database',
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      KEYS_REFRESH_SECONDS: String(REFRESH_SECONDS),
      REFRESH_TOKEN_PEPPER: randomBytes(32).toString('base64url'),
    };
    for (let i = 0; i < 2; i++) instances.push(await startInstance(env));
  }, 90_000);

  afterAll(async () => {
    await stopInstances(instances);
    await db.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('both pick up a CLI rotation without a restart and serve identical JWKS', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const before = await Promise.all([jwks(a.url), jwks(b.url)]);
    expect(before[0]).toEqual(before[1]);
    expect(before[0].body.keys).toHaveLength(1); // one bootstrap key, although both started on an empty table

    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(line) };
    expect(await runKeysCli(['add'], io, { env })).toBe(0);
    const added = /added (\S+)/.exec(out.join('\n'))![1]!;

    const started = Date.now();
    for (;;) {
      const views = await Promise.all([jwks(a.url), jwks(b.url)]);
      if (views.every((view) => view.body.keys.some((key) => key.kid === added))) {
        expect(views[0]).toEqual(views[1]); // same body, same ETag
        break;
      }
      if (Date.now() - started > (REFRESH_SECONDS + 1) * 1000)
        throw new Error('an instance did not see the new key in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(await runKeysCli(['activate', added, '--force'], io, { env })).toBe(0);
    // A token minted by one instance verifies on the other, signed by the new key.
    const user = aUser();
    await postJson(`${a.url}/auth/register`, user);
    let token: string | undefined;
    const deadline = Date.now() + (REFRESH_SECONDS + 1) * 1000;
    while (!token || headerOf(token).kid !== added) {
      if (Date.now() > deadline) throw new Error('instance A kept signing with the old key');
      const login = await postJson(`${a.url}/auth/login`, { email: user.email, password: user.password });
      token = ((await login.json()) as { accessToken: string }).accessToken;
    }
    const me = await fetch(`${b.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
  }, 60_000);
});
