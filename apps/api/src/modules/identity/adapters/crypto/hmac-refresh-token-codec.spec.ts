import { HmacRefreshTokenCodec } from './hmac-refresh-token-codec';

const codec = new HmacRefreshTokenCodec('a-server-pepper-of-at-least-32-characters');

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
    expect(new HmacRefreshTokenCodec('another-server-pepper-of-32-characters!').hash(token)).not.toBe(
      codec.hash(token),
    );
  });

  it('seals a successor that only the presented token (and the pepper) can open', () => {
    const presented = codec.generate();
    const successor = codec.generate();
    const sealed = codec.seal(successor, presented);
    expect(sealed).not.toContain(successor);
    expect(codec.unseal(sealed, presented)).toBe(successor);
    expect(() => codec.unseal(sealed, codec.generate())).toThrow();
    expect(() =>
      new HmacRefreshTokenCodec('another-server-pepper-of-32-characters!').unseal(sealed, presented),
    ).toThrow();
  });
});
