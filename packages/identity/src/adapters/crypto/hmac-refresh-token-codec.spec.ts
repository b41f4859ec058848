import { hkdfSync } from 'node:crypto';
import { keysFromStoredHash, openSealWith } from '../../testing/successor-seal-attack';
import { HmacRefreshTokenCodec } from './hmac-refresh-token-codec';

const PEPPER = 'a-server-pepper-of-at-least-32-characters';
const SEAL_SALT = Buffer.alloc(32, 7);
const codec = new HmacRefreshTokenCodec(PEPPER, SEAL_SALT);

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
    const sealed = codec.seal(successor, presented);
    const keys = keysFromStoredHash(codec.hash(presented));
    for (const key of keys) expect(openSealWith(key, sealed)).toBeUndefined();
    // With the right key (token and server-held salt) the same attempt opens it: the refusals
    // above are the keys', not the attempt's.
    const info = 'latchkey/refresh-token/successor-seal/v2';
    const rightKey = Buffer.from(hkdfSync('sha256', Buffer.from(presented), SEAL_SALT, info, 32));
    expect(openSealWith(rightKey, sealed)).toBe(successor);
  });

  it('refuses a seal salt that is the pepper or shorter than a 256-bit key', () => {
    expect(() => new HmacRefreshTokenCodec(PEPPER, Buffer.alloc(16))).toThrow(/256-bit/);
    const pepper = 'p'.repeat(32);
    expect(() => new HmacRefreshTokenCodec(pepper, Buffer.from(pepper))).toThrow(/not be the pepper/);
  });
});
