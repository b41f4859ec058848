import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { HmacRefreshTokenCodec } from './hmac-refresh-token-codec';

const PEPPER = 'a-server-pepper-of-at-least-32-characters';
const SEAL_SALT = Buffer.alloc(32, 7);
const codec = new HmacRefreshTokenCodec(PEPPER, SEAL_SALT);

/** AES-256-GCM as the codec lays a seal out (iv, tag, body), opened with a candidate key. */
function opensWith(key: Buffer, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

describe('HmacRefreshTokenCodec', () => {
  it('generates 256-bit base64url tokens, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => codec.generate()));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('stores a keyed hash: deterministic under one pepper, different under another', () => {
    const token = codec.generate();
    expect(codec.hash(token)).toBe(codec.hash(token));
    expect(codec.hash(token)).not.toContain(token);
    expect(
      new HmacRefreshTokenCodec('another-server-pepper-of-32-characters!', SEAL_SALT).hash(token),
    ).not.toBe(codec.hash(token));
  });

  it('seals a successor that only the presented token, with the server secret, can open', () => {
    const presented = codec.generate();
    const successor = codec.generate();
    const sealed = codec.seal(successor, presented);
    expect(sealed).not.toContain(successor);
    expect(codec.unseal(sealed, presented)).toBe(successor);
    expect(codec.unseal(sealed, codec.generate())).toBeUndefined();
    expect(new HmacRefreshTokenCodec(PEPPER, Buffer.alloc(32, 8)).unseal(sealed, presented)).toBeUndefined();
    expect(codec.unseal('too-short', presented)).toBeUndefined();
  });

  it('a database copy opens no seal: nothing derivable from the stored hash is the key', () => {
    // What a stolen table holds for a rotated token: its keyed hash and its sealed successor.
    const presented = codec.generate();
    const successor = codec.generate();
    const storedHash = Buffer.from(codec.hash(presented), 'base64url');
    const sealed = codec.seal(successor, presented);
    const info = (version: string) => `latchkey/refresh-token/successor-seal/${version}`;
    const expand = (prk: Buffer, label: string) =>
      createHmac('sha256', prk)
        .update(Buffer.concat([Buffer.from(label), Buffer.from([1])]))
        .digest();
    const candidates = [
      // The flaw this guards against: with the pepper as HKDF's salt, HKDF-Extract(pepper, token)
      // is HMAC(pepper, token), the stored hash, and HKDF-Expand of it was the key.
      expand(storedHash, info('v1')),
      expand(storedHash, info('v2')),
      storedHash,
      Buffer.from(hkdfSync('sha256', storedHash, Buffer.alloc(0), info('v2'), 32)),
    ];
    for (const key of candidates) expect(opensWith(key, sealed)).toBeUndefined();
    expect(codec.unseal(sealed, presented)).toBe(successor);
  });

  it('refuses a seal salt that is the pepper or shorter than a 256-bit key', () => {
    expect(() => new HmacRefreshTokenCodec(PEPPER, Buffer.alloc(16))).toThrow(/256-bit/);
    const pepper = 'p'.repeat(32);
    expect(() => new HmacRefreshTokenCodec(pepper, Buffer.from(pepper))).toThrow(/not be the pepper/);
  });
});
