import { TestClock } from '@latchkey/shared-kernel/testing';
import { MemorySigningKeyStore } from '../../testing/memory-identity';
import { ACCESS_TOKEN_LEEWAY_SECONDS, type SigningKey } from '../../domain/signing-key';
import { JoseAccessTokens } from './jose-access-tokens';
import { RsaSigningKeyFactory } from './rsa-signing-key-factory';

const TTL_SECONDS = 900;

describe('JoseAccessTokens: verifications remembered per token', () => {
  let clock: TestClock;
  let store: MemorySigningKeyStore;
  let tokens: JoseAccessTokens;
  let key: SigningKey;

  beforeEach(async () => {
    clock = new TestClock(new Date('2026-11-23T12:00:00Z'));
    key = { ...(await new RsaSigningKeyFactory(clock).generate(2048, 'generated')), state: 'active' };
    store = new MemorySigningKeyStore([key]);
    tokens = new JoseAccessTokens(store, clock, {
      issuer: 'https://issuer.test',
      audience: 'latchkey',
      ttlSeconds: TTL_SECONDS,
    });
  });

  const issue = () =>
    tokens.issue({
      userId: '0190a5b2-0000-7000-8000-000000000001',
      sessionId: 's1',
      roles: ['user'],
      permissions: ['account:read'],
    });

  it('answers a repeated token like the first time, and refuses it once expired past the leeway', async () => {
    const { token } = await issue();
    const first = await tokens.verify(token);
    await expect(tokens.verify(token)).resolves.toEqual(first);
    // Remembered ten seconds before the end of its leeway, then asked again at the very end.
    clock.advanceSeconds(TTL_SECONDS + ACCESS_TOKEN_LEEWAY_SECONDS - 10);
    await expect(tokens.verify(token)).resolves.toEqual(first);
    clock.advanceSeconds(9);
    await expect(tokens.verify(token)).resolves.toEqual(first);
    clock.advanceSeconds(1);
    await expect(tokens.verify(token)).rejects.toThrow();
  });

  it('refuses a remembered token as soon as its key is revoked', async () => {
    const { token } = await issue();
    await tokens.verify(token);
    await store.save([{ ...key, state: 'revoked', revokedAt: clock.now() }]);
    await expect(tokens.verify(token)).rejects.toThrow();
  });

  it('remembers exact bytes only: a token differing in one character is verified, and refused', async () => {
    const { token } = await issue();
    await tokens.verify(token);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const flipped = signature[5] === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, token.lastIndexOf('.') + 1)}${signature.slice(0, 5)}${flipped}${signature.slice(6)}`;
    await expect(tokens.verify(tampered)).rejects.toThrow();
  });
});
