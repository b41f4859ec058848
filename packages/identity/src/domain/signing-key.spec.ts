import {
  activate,
  assertRemovable,
  type KeyTimings,
  planRotation,
  retire,
  revoke,
  type SigningKey,
  SigningKeyChangeRefused,
  SigningKeyNotFound,
} from './signing-key';

const timings: KeyTimings = { jwksCacheTtlSeconds: 300, accessTokenTtlSeconds: 900, leewaySeconds: 30 };
const t0 = new Date('2026-11-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function aKey(kid: string, overrides: Partial<SigningKey> = {}): SigningKey {
  return {
    kid,
    state: 'next',
    source: 'generated',
    createdAt: t0,
    activatedAt: null,
    retiredAt: null,
    revokedAt: null,
    publicJwk: { kty: 'RSA', kid, alg: 'RS256', use: 'sig', n: 'n', e: 'AQAB' },
    privateKeyPem: 'pem',
    ...overrides,
  };
}

const active = aKey('old', { state: 'active', activatedAt: t0 });

describe('signing-key state machine', () => {
  describe('activate', () => {
    it('retires the current active key in the same step: exactly one active key', () => {
      const changed = activate([active, aKey('new')], 'new', at(300), timings);
      expect(changed).toEqual([
        expect.objectContaining({ kid: 'new', state: 'active', activatedAt: at(300) }),
        expect.objectContaining({ kid: 'old', state: 'retired', retiredAt: at(300) }),
      ]);
    });

    it('refuses a next key published for less than the JWKS cache TTL, unless forced', () => {
      expect(() => activate([active, aKey('new')], 'new', at(299), timings)).toThrow(
        /published 299 s ago; verifiers may cache JWKS for 300 s\. Wait 1 s more, or use --force/,
      );
      expect(activate([active, aKey('new')], 'new', at(1), timings, { force: true })[0]?.state).toBe(
        'active',
      );
    });

    it('needs no wait for the very first key: no verifier can hold a stale set yet', () => {
      expect(activate([aKey('first')], 'first', at(0), timings)).toHaveLength(1);
    });

    it('re-activates a retired key at once (the rollback)', () => {
      const retired = aKey('old', { state: 'retired', activatedAt: t0, retiredAt: at(400) });
      const current = aKey('new', { state: 'active', activatedAt: at(400) });
      const changed = activate([retired, current], 'old', at(401), timings);
      expect(changed.map((key) => [key.kid, key.state])).toEqual([
        ['old', 'active'],
        ['new', 'retired'],
      ]);
    });

    it('never re-activates a revoked key, and names an unknown kid', () => {
      expect(() => activate([active, aKey('bad', { state: 'revoked' })], 'bad', at(999), timings)).toThrow(
        SigningKeyChangeRefused,
      );
      expect(() => activate([active], 'nope', at(0), timings)).toThrow(SigningKeyNotFound);
    });
  });

  describe('retire', () => {
    it('withdraws a next key, and refuses to leave the set without an active key', () => {
      expect(retire([active, aKey('new')], 'new', at(5))).toMatchObject({
        state: 'retired',
        retiredAt: at(5),
      });
      expect(() => retire([active], 'old', at(5))).toThrow(/activate another key instead/);
    });
  });

  describe('remove', () => {
    const retired = aKey('old', { state: 'retired', activatedAt: t0, retiredAt: at(1000) });

    it('refuses while tokens the key signed may be valid: retiredAt + access TTL + leeway', () => {
      expect(() => assertRemovable([retired], 'old', at(1000 + 929), timings)).toThrow(/may be valid until/);
      expect(assertRemovable([retired], 'old', at(1000 + 930), timings).kid).toBe('old');
    });

    it('refuses the active key; a never-used next key or a revoked key may go at once', () => {
      expect(() => assertRemovable([active], 'old', at(99_999), timings)).toThrow(/retire it/);
      expect(assertRemovable([aKey('n')], 'n', at(0), timings).kid).toBe('n');
      expect(assertRemovable([aKey('r', { state: 'revoked' })], 'r', at(0), timings).kid).toBe('r');
    });
  });

  describe('revoke', () => {
    it('revokes the active key and activates the replacement in the same step', () => {
      const changed = revoke([active], 'old', at(10), aKey('fresh'));
      expect(changed.map((key) => [key.kid, key.state])).toEqual([
        ['old', 'revoked'],
        ['fresh', 'active'],
      ]);
    });

    it('revokes a retired key without touching the active one', () => {
      const retired = aKey('r', { state: 'retired', retiredAt: t0 });
      expect(revoke([active, retired], 'r', at(10))).toEqual([
        expect.objectContaining({ kid: 'r', state: 'revoked' }),
      ]);
    });
  });

  describe('planRotation', () => {
    const day = 86_400;

    it('does nothing while the active key is young', () => {
      expect(planRotation([active], at(10 * day), 30 * day, timings)).toEqual({
        addNext: false,
        activate: undefined,
        remove: [],
      });
    });

    it('publishes a next key one cache lifetime before the active key is due', () => {
      expect(planRotation([active], at(30 * day - 300), 30 * day, timings).addNext).toBe(true);
    });

    it('activates the next key when due and old enough; retired keys go once their tokens expired', () => {
      const next = aKey('next', { createdAt: at(30 * day - 300) });
      expect(planRotation([active, next], at(30 * day), 30 * day, timings)).toEqual({
        addNext: false,
        activate: 'next',
        remove: [],
      });
      const retired = aKey('gone', { state: 'retired', retiredAt: at(0) });
      expect(planRotation([active, retired], at(930), 30 * day, timings).remove).toEqual(['gone']);
    });
  });
});
