import { SignJWT } from 'jose';
import { InvalidAccessToken } from '@latchkey/shared-kernel';
import { TestClock } from '@latchkey/shared-kernel/testing';
import type { SigningKey } from '../../domain/signing-key';
import { MemorySigningKeyStore } from '../../testing/memory-identity';
import { JoseAccessTokens } from './jose-access-tokens';
import { RemoteAccessTokenVerifier } from './remote-access-token-verifier';
import { JwksUnavailable, RemoteJwks } from './remote-jwks';
import { RsaSigningKeyFactory } from './rsa-signing-key-factory';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'latchkey';
/** An organization owner: every claim a token can carry. */
const OWNER = {
  userId: '0190a5b2-0000-7000-8000-000000000002',
  sessionId: '0190a5b2-0000-7000-8000-0000000000b2',
  roles: ['user', 'admin'],
  permissions: ['account:read', 'account:write', 'users:read'],
  organization: { id: 'o1', roles: ['owner'], permissions: ['organization:write'] },
};

describe('RemoteAccessTokenVerifier: the gateway checks tokens as identity does, with published keys', () => {
  let clock: TestClock;
  let key: SigningKey;
  let tokens: JoseAccessTokens;
  let published: () => Promise<Response>;

  beforeEach(async () => {
    clock = new TestClock(new Date('2026-12-03T12:00:00Z'));
    key = { ...(await new RsaSigningKeyFactory(clock).generate(2048, 'generated')), state: 'active' };
    tokens = new JoseAccessTokens(new MemorySigningKeyStore([key]), clock, {
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: 900,
    });
    published = async () =>
      Response.json({ keys: [key.publicJwk] }, { headers: { 'cache-control': 'public, max-age=300' } });
  });

  const verifier = (audience = AUDIENCE) =>
    new RemoteAccessTokenVerifier(
      new RemoteJwks(
        {
          url: 'http://auth.internal/jwks',
          minTtlSeconds: 30,
          maxTtlSeconds: 600,
          refetchIntervalSeconds: 10,
          timeoutMs: 1_000,
        },
        clock,
        () => published(),
      ),
      clock,
      { issuer: ISSUER, audience },
    );

  const issue = () => tokens.issue(OWNER);

  it('reads the same claims from a token as the key store’s verifier', async () => {
    const { token } = await issue();
    expect(await verifier().verify(token)).toEqual(await tokens.verify(token));
  });

  it('refuses what identity refuses: another audience, an expired token, HS256 keyed with the public key', async () => {
    const { token } = await issue();
    await expect(verifier('another-api').verify(token)).rejects.toBeInstanceOf(InvalidAccessToken);

    const remote = verifier();
    clock.advanceSeconds(900 + 61);
    await expect(remote.verify(token)).rejects.toBeInstanceOf(InvalidAccessToken);

    const confused = await new SignJWT({ sid: 's1', jti: 'j' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('u1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    await expect(remote.verify(confused)).rejects.toBeInstanceOf(InvalidAccessToken);
  });

  it('answers 503, not 401, when the keys cannot be had: publisher down, or a malformed set', async () => {
    const { token } = await issue();
    published = () => Promise.reject(new TypeError('fetch failed'));
    const down = verifier().verify(token);
    await expect(down).rejects.toBeInstanceOf(JwksUnavailable);
    await expect(down).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 10 });

    published = async () => new Response('<html>502 Bad Gateway</html>', { status: 200 });
    await expect(verifier().verify(token)).rejects.toBeInstanceOf(JwksUnavailable);
    published = async () => Response.json({ keys: 'none' });
    await expect(verifier().verify(token)).rejects.toBeInstanceOf(JwksUnavailable);
  });
});
