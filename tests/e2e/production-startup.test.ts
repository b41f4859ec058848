import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { type Instance, startInstance, stopInstances } from '../support/processes';
import { describeEmbeddedOnly } from '../support/test-environment';

const DIST = path.resolve(__dirname, '..', '..', 'apps', 'api', 'dist');

function run(env: Record<string, string>, script: string, ...argv: string[]) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(DIST, script), ...argv],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

/** This host's address on a real interface: requests to it do not come from loopback. */
function nonLoopbackAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate?.family === 'IPv4' && !candidate.internal)?.address;
  if (!address) throw new Error('this host has no non-loopback IPv4 address to test from');
  return address;
}

const plainHttpWarnings = (instance: Instance) =>
  instance.output
    .join('')
    .split('\n')
    .filter((line) => line.includes('over plain HTTP'))
    .map((line) => {
      const { level, peer } = JSON.parse(line) as { level: string; peer: string };
      return { level, peer };
    });

/** The problems of a refused start, one per line, by what they name. */
const namedIn = (stderr: string) =>
  [...stderr.matchAll(/^ {2}- ([A-Za-z_ ]+):/gm)].map((match) => match[1]).sort();

// The embedded database only, whatever the suites run on: once, in the PGlite run.
describeEmbeddedOnly('a first production start', () => {
  let dataDir: string;
  let api: Instance | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-prod-'));
  });
  afterAll(async () => {
    if (api) await stopInstances([api]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every missing setting and the missing signing key in one message, before opening anything', async () => {
    const refused = await run({ NODE_ENV: 'production', DATA_DIR: dataDir }, 'main.js');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^Invalid configuration:\n/);
    expect(namedIn(refused.err)).toEqual([
      'APP_BASE_URL',
      'DATABASE_URL',
      'JWT_ISSUER',
      'REFRESH_TOKEN_PEPPER',
      'SMTP_URL',
      'signing key',
    ]);
    expect(refused.err).toContain('set ALLOW_EMBEDDED_DATABASE=true');
    expect(refused.err).toContain('pnpm keys add');
    expect(refused.out).toBe('');
  }, 30_000);

  it('runs on the embedded database only when allowed by name, once an operator made a key', async () => {
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ALLOW_EMBEDDED_DATABASE: 'true',
      JWT_ISSUER: 'https://auth.example.test',
      APP_BASE_URL: 'https://app.example.test',
      REFRESH_TOKEN_PEPPER: randomBytes(32).toString('base64url'),
      MAIL_TRANSPORT: 'log',
    };
    const keyless = await run(env, 'main.js');
    expect({ code: keyless.code, named: namedIn(keyless.err) }).toEqual({ code: 1, named: ['signing key'] });

    const added = await run(env, 'cli/keys.js', 'add');
    expect(added.code).toBe(0);
    // The very first key has no cached JWKS to wait for.
    expect(added.out).toContain('no key signs yet, so it can be activated now: pnpm keys activate');
    const kid = /added (\S+)/.exec(added.out)![1]!;
    expect((await run(env, 'cli/keys.js', 'activate', kid)).code).toBe(0);

    // Listening on every interface, as in a container, without TRUST_PROXY.
    api = await startInstance({ ...env, HOST: '0.0.0.0' });
    const jwks = (await (await fetch(`${api.url}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([kid]);
    expect(plainHttpWarnings(api)).toEqual([]); // loopback: a proxy on this host, or a probe

    // From another host over plain HTTP: the Secure cookie would never come back. Said once.
    const external = new URL(api.url);
    external.hostname = nonLoopbackAddress();
    for (let i = 0; i < 3; i++) expect((await fetch(new URL('/health', external))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(plainHttpWarnings(api)).toEqual([{ level: 'warn', peer: external.hostname }]);
  }, 60_000);
});
