import { SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { SigningKeyRotationScheduler, SigningKeyStore } from '@latchkey/identity/testing';
import { rows, sql } from '@latchkey/platform/testing';
import { claimsOf, headerOf, me, registerAndLogin } from '../support/auth';
import { BusyClient, publishedKids, untilPublished } from '../support/busy-client';
import { keys, listKeys } from '../support/cli';
import { startTestApp, type TestApp } from '../support/test-app';

const DATABASE_KEYS = { KEYS_STORE: 'database' };

describe('planned key rotation through the CLI (docs/runbooks/key-rotation.md)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: DATABASE_KEYS });
  });
  afterAll(() => app.close());

  it('rotates with zero unexpected 401s; old tokens verify until they expire, and not after remove', async () => {
    const { tokens } = await registerAndLogin(app);
    const client = new BusyClient(app, tokens);
    const beforeRotation = tokens.accessToken;
    const [k0] = (await listKeys(app)).filter((key) => key.state === 'active').map((key) => key.kid);
    expect(headerOf(beforeRotation).kid).toBe(k0);
    // Kept to forge a still-unexpired K0 token after its removal.
    const k0Pem = (await app.latchkey.app.get(SigningKeyStore).list({ fresh: true })).find(
      (key) => key.kid === k0,
    )!.privateKeyPem;

    // 1. add: K1 is published as next while K0 keeps signing.
    const [added] = await Promise.all([keys(app, 'add'), client.exercise()]);
    expect(added.code).toBe(0);
    const k1 = /added (\S+)/.exec(added.out)![1]!;
    expect(added.out).toContain(`activate it after 300 s (JWKS_CACHE_TTL_SECONDS): pnpm keys activate ${k1}`);
    await untilPublished(app, (kids) => kids.includes(k1));
    expect(await publishedKids(app)).toEqual([k0, k1].sort());

    // 2. activating before verifiers' caches can know K1 is refused.
    const early = await keys(app, 'activate', k1);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/verifiers may cache JWKS for 300 s/);

    // 3. wait JWKS_CACHE_TTL_SECONDS, then activate: K0 is retired, new tokens carry K1.
    await client.live(300);
    const [activated] = await Promise.all([keys(app, 'activate', k1), client.exercise()]);
    const retiredAt = Math.floor(app.clock.now().getTime() / 1000);
    expect(activated.out).toBe(`activated ${k1}; retired ${k0}`);
    await client.exercise();
    expect(client.kids).toContain(k1);
    await me(app, beforeRotation).expect(200); // signed by the retired key, not expired yet

    // 4. remove is refused while K0's tokens may be valid...
    expect((await keys(app, 'remove', k0!)).err).toMatch(/may be valid until/);
    // ...and the pre-rotation token keeps verifying until its exp (+ leeway).
    const exp = claimsOf(beforeRotation).exp as number;
    await client.live(exp + 30 - Math.floor(app.clock.now().getTime() / 1000) - 1);
    await me(app, beforeRotation).expect(200);
    await client.live(2, 2);
    await me(app, beforeRotation).expect(401);

    // 5. access TTL + leeway after the retirement (K0 signed until then), remove K0: it leaves
    //    JWKS and nothing it signed verifies any more.
    const nowSeconds = () => Math.floor(app.clock.now().getTime() / 1000);
    await client.live(retiredAt + 900 + 30 - nowSeconds() - 1);
    expect((await keys(app, 'remove', k0!)).code).toBe(1);
    await client.live(1, 1);
    const [removed] = await Promise.all([keys(app, 'remove', k0!), client.exercise()]);
    expect(removed.out).toBe(`removed ${k0}`);
    await untilPublished(app, (kids) => !kids.includes(k0!));
    const now = nowSeconds();
    const forged = await new SignJWT({ sid: claimsOf(beforeRotation).sid, roles: ['user'] })
      .setProtectedHeader({ alg: 'RS256', kid: k0!, typ: 'at+jwt' })
      .setIssuer('http://localhost:3000')
      .setAudience('latchkey')
      .setSubject(claimsOf(beforeRotation).sub as string)
      .setJti('after-remove')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(createPrivateKey(k0Pem));
    await me(app, forged).expect(401);

    await client.exercise();
    expect(client.failures).toEqual([]);
    expect(client.calls).toBeGreaterThan(50);
    expect((await listKeys(app)).map((key) => [key.kid, key.state])).toEqual([[k1, 'active']]);

    const changes = await rows<{ data: { action: string; kid: string; actor: string } }>(
      app.latchkey.database,
      sql`select data from auth_events where type = 'SigningKeyChanged' order by occurred_at, id`,
    );
    expect(changes.map((row) => [row.data.action, row.data.kid, row.data.actor])).toEqual([
      ['add', k0, 'bootstrap'],
      ['add', k1, 'cli'],
      ['activate', k1, 'cli'],
      ['remove', k0, 'cli'],
    ]);
  });

  it('rolls back by re-activating the previous key, at once', async () => {
    const { tokens } = await registerAndLogin(app);
    const previous = headerOf(tokens.accessToken).kid as string;
    const k2 = /added (\S+)/.exec((await keys(app, 'add')).out)![1]!;
    app.clock.advanceSeconds(300);
    expect((await keys(app, 'activate', k2)).code).toBe(0);
    const rolledBack = await keys(app, 'activate', previous);
    expect(rolledBack.out).toBe(`activated ${previous}; retired ${k2}`);
    const refreshed = await app.api
      .post('/auth/refresh')
      .send({ refreshToken: tokens.refreshToken })
      .expect(200);
    await untilPublished(app, (kids) => kids.includes(k2)); // k2 stays published, retired
    expect(headerOf(refreshed.body.accessToken).kid).toBe(previous);
  });

  it('retires a next key that should never sign, imports and exports keys', async () => {
    const added = /added (\S+)/.exec((await keys(app, 'add')).out)![1]!;
    expect((await keys(app, 'retire', added)).out).toBe(`retired ${added}`);
    expect((await listKeys(app)).find((key) => key.kid === added)?.state).toBe('retired');

    const pem = (await app.latchkey.app.get(SigningKeyStore).list({ fresh: true })).find(
      (key) => key.kid === added,
    )!.privateKeyPem;
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(`${app.dataDir}/import-`);
    writeFileSync(`${dir}/dup.pem`, pem);
    expect((await keys(app, 'import', `${dir}/dup.pem`)).err).toMatch(/already in the key set/);
    const { generateKeyPairSync } = await import('node:crypto');
    const fresh = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    });
    writeFileSync(`${dir}/fresh.pem`, fresh);
    const imported = await keys(app, 'import', `${dir}/fresh.pem`);
    expect(imported.out).toMatch(/^imported \S+ \(next\)$/);
    const kid = /imported (\S+)/.exec(imported.out)![1]!;
    expect((await listKeys(app)).find((key) => key.kid === kid)).toMatchObject({
      state: 'next',
      source: 'imported',
    });

    // The whole result: a failure shows the command's error output as well.
    expect(await keys(app, 'export-public', kid)).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/),
    });
    expect(JSON.parse((await keys(app, 'export-public', kid, '--format', 'jwk')).out)).toMatchObject({
      kid,
      kty: 'RSA',
    });
    writeFileSync(
      `${dir}/weak.pem`,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    expect((await keys(app, 'import', `${dir}/weak.pem`)).err).toMatch(
      /must be an RSA key of at least 2048 bits/,
    );
  });

  it('answers usage errors with exit code 2 and the usage text', async () => {
    const result = await keys(app, 'activate');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/a kid is required[\s\S]*usage: pnpm keys/);
  });
});

describe('emergency revoke (docs/runbooks/key-compromise.md)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: DATABASE_KEYS });
  });
  afterAll(() => app.close());

  it('refuses the revoked key’s tokens at once, and sessions carry on with the new key', async () => {
    const { tokens } = await registerAndLogin(app);
    const compromised = headerOf(tokens.accessToken).kid as string;
    await me(app, tokens.accessToken).expect(200);

    const revoked = await keys(app, 'revoke', compromised);
    expect(revoked.out).toMatch(new RegExp(`^revoked ${compromised}: .*\\nactivated replacement \\S+$`));
    const replacement = /activated replacement (\S+)/.exec(revoked.out)![1]!;
    const delayMs = await untilPublished(app, (kids) => !kids.includes(compromised));
    expect(delayMs).toBeLessThan(1_000); // pushed (NOTIFY), not waited for (KEYS_REFRESH_SECONDS = 30)

    const refused = await me(app, tokens.accessToken).expect(401);
    expect(refused.headers['www-authenticate']).toContain('invalid_token');

    // The refresh token is opaque: it still works and mints a token signed by the new key.
    const refreshed = await app.api
      .post('/auth/refresh')
      .send({ refreshToken: tokens.refreshToken })
      .expect(200);
    expect(headerOf(refreshed.body.accessToken).kid).toBe(replacement);
    await me(app, refreshed.body.accessToken).expect(200);
    expect(await publishedKids(app)).toEqual([replacement]);
  });
});

describe('JWKS caching headers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: DATABASE_KEYS });
  });
  afterAll(() => app.close());

  it('sends an ETag, answers a matching If-None-Match with 304, and changes the ETag with the key set', async () => {
    const first = await app.api.get('/jwks').expect(200);
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const notModified = await app.api.get('/jwks').set('if-none-match', first.headers.etag!).expect(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers['cache-control']).toBe('public, max-age=300');
    await app.api.get('/.well-known/jwks.json').set('if-none-match', first.headers.etag!).expect(304);

    await keys(app, 'add');
    await untilPublished(app, (kids) => kids.length === 2);
    const changed = await app.api.get('/jwks').set('if-none-match', first.headers.etag!).expect(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
  });
});

describe('scheduled rotation across two instances (KEY_ROTATION_INTERVAL)', () => {
  let first: TestApp;
  let second: TestApp;
  const env = { ...DATABASE_KEYS, KEY_ROTATION_INTERVAL: '1h' };

  beforeAll(async () => {
    first = await startTestApp({ env });
    second = await startTestApp({
      env: { ...env, DATA_DIR: first.dataDir },
      db: first.db,
      clock: first.clock,
    });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  const advance = (seconds: number) => first.clock.advanceSeconds(seconds); // one clock, shared
  const tickBoth = () =>
    Promise.all([first, second].map((app) => app.latchkey.app.get(SigningKeyRotationScheduler).tick()));

  async function schedulerChanges(): Promise<string[]> {
    const changes = await rows<{ data: { action: string; actor: string } }>(
      first.latchkey.database,
      sql`select data from auth_events where type = 'SigningKeyChanged' order by occurred_at, id`,
    );
    return changes.filter((row) => row.data.actor === 'scheduler').map((row) => row.data.action);
  }

  it('runs each step exactly once, whichever instance gets the lock, following the state machine', async () => {
    const [original] = (await listKeys(first)).map((key) => key.kid);
    await tickBoth();
    expect(await schedulerChanges()).toEqual([]); // nothing due yet

    advance(3600 - 300); // due within one JWKS cache lifetime: publish the next key
    await tickBoth();
    expect(await schedulerChanges()).toEqual(['add']);
    const next = (await listKeys(first)).find((key) => key.state === 'next');
    expect(next?.source).toBe('scheduled');

    advance(300); // due, and the next key has been published long enough: activate it
    await tickBoth();
    expect(await schedulerChanges()).toEqual(['add', 'activate']);
    expect(Object.fromEntries((await listKeys(first)).map((key) => [key.kid, key.state]))).toEqual({
      [original!]: 'retired',
      [next!.kid]: 'active',
    });

    advance(930); // the retired key's tokens have expired: remove it
    await tickBoth();
    await tickBoth();
    expect(await schedulerChanges()).toEqual(['add', 'activate', 'remove']);
    expect((await listKeys(first)).map((key) => key.kid)).toEqual([next!.kid]);
  });
});
