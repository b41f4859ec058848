import { createHmac } from 'node:crypto';
import { loadPlatformConfig } from './app-config';
import { ServerSecrets } from './server-secrets';

const secretsWith = (pepper: string) =>
  new ServerSecrets(loadPlatformConfig({ NODE_ENV: 'test', REFRESH_TOKEN_PEPPER: pepper }));

describe('ServerSecrets', () => {
  const secrets = secretsWith('a-server-pepper-of-at-least-32-characters');

  it('derives a 256-bit key per label, stable, distinct across labels and peppers, never the pepper', () => {
    const key = secrets.derivedKey('test/a/v1');
    expect(key).toHaveLength(32);
    expect(secrets.derivedKey('test/a/v1').equals(key)).toBe(true);
    expect(secrets.derivedKey('test/b/v1').equals(key)).toBe(false);
    expect(secretsWith('another-server-pepper-of-32-characters!').derivedKey('test/a/v1').equals(key)).toBe(
      false,
    );
    expect(key.includes(Buffer.from(secrets.refreshTokenPepper))).toBe(false);
  });

  it('hands out copies: a caller that overwrites its key changes no one else’s', () => {
    secrets.derivedKey('test/copy/v1').fill(0);
    expect(secrets.derivedKey('test/copy/v1').equals(Buffer.alloc(32))).toBe(false);
  });

  it('keys a hash per label, under a key that never leaves', () => {
    const hash = secrets.keyedHash('test/hash/v1', 'value');
    expect(hash).toBe(secrets.keyedHash('test/hash/v1', 'value'));
    expect(hash).not.toBe(secrets.keyedHash('test/other-hash/v1', 'value'));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a label for keyedHash once its key went out through derivedKey, and the other way round', () => {
    const key = secrets.derivedKey('test/shared/v1');
    expect(() => secrets.keyedHash('test/shared/v1', 'x')).toThrow(/already used by derivedKey/);
    // Why: keyedHash(label, x) is HMAC(derivedKey(label), x), so one purpose's stored hash would be
    // another's secret (here shown on a second instance, which has not seen the label yet).
    const elsewhere = secretsWith(secrets.refreshTokenPepper);
    expect(elsewhere.keyedHash('test/shared/v1', 'x')).toBe(
      createHmac('sha256', key).update('x').digest('base64url'),
    );
    secrets.keyedHash('test/mac/v1', 'x');
    expect(() => secrets.derivedKey('test/mac/v1')).toThrow(/already used by keyedHash/);
  });
});
