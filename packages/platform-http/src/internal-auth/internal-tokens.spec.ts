import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import type { Principal } from '@latchkey/shared-kernel';
import { TestClock } from '@latchkey/shared-kernel/testing';
import {
  accessTokenHash,
  InternalAuthenticationFailed,
  InternalTokenIssuer,
  InternalTokenVerifier,
} from './internal-tokens';

const secret = () => randomBytes(32);

const PRINCIPAL: Principal = {
  userId: '0190a5b2-0000-7000-8000-000000000001',
  sessionId: '0190a5b2-0000-7000-8000-0000000000aa',
  roles: ['user'],
  permissions: ['account:read', 'account:write'],
};
const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.the-clients-access-token.signature';
const VOUCH = { principal: PRINCIPAL, accessToken: ACCESS_TOKEN };

describe('internal tokens: what a service accepts from the gateway and its peers', () => {
  // One secret per pair of processes: gateway–user service, auth service–user service, gateway–auth service.
  const gatewayUser = secret();
  const authUser = secret();
  const gatewayAuth = secret();
  let clock: TestClock;
  let gateway: InternalTokenIssuer;
  let userService: InternalTokenVerifier;
  const gatewayWith = (keys: Buffer[], at = clock) =>
    new InternalTokenIssuer('gateway', new Map([['user-service', keys]]), at);

  beforeEach(() => {
    clock = new TestClock(new Date('2026-12-03T12:00:00Z'));
    gateway = new InternalTokenIssuer(
      'gateway',
      new Map([
        ['user-service', [gatewayUser]],
        ['auth-service', [gatewayAuth]],
      ]),
      clock,
    );
    userService = new InternalTokenVerifier(
      'user-service',
      new Map([
        ['gateway', [gatewayUser]],
        ['auth-service', [authUser]],
      ]),
      clock,
    );
  });

  const refused = (token: string | undefined) =>
    expect(userService.verify(token)).rejects.toBeInstanceOf(InternalAuthenticationFailed);

  it('carries the caller and the principal the gateway verified', async () => {
    const token = await gateway.issue('user-service', VOUCH);
    expect(await userService.verify(token)).toEqual({
      caller: 'gateway',
      principal: PRINCIPAL,
      ath: accessTokenHash(ACCESS_TOKEN),
    });
    const peer = new InternalTokenIssuer('auth-service', new Map([['user-service', [authUser]]]), clock);
    expect(await userService.verify(await peer.issue('user-service'))).toEqual({ caller: 'auth-service' });
  });

  it('writes a standard HS256 JWS (jose verifies it), under the secret of the pair', async () => {
    const token = await gateway.issue('user-service', VOUCH);
    const { payload, protectedHeader } = await jwtVerify(token, gatewayUser, {
      algorithms: ['HS256'],
      typ: 'latchkey-internal+jwt',
      issuer: 'gateway',
      audience: 'user-service',
      currentDate: clock.now(),
    });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'latchkey-internal+jwt', kid: 'gateway' });
    expect(payload).toMatchObject({ principal: PRINCIPAL, ath: accessTokenHash(ACCESS_TOKEN) });
    await expect(jwtVerify(token, gatewayAuth, { currentDate: clock.now() })).rejects.toThrow();
  });

  it('refuses to make a token for a service it shares no secret with', async () => {
    const lonely = gatewayWith([gatewayUser]);
    expect(() => lonely.issue('billing')).toThrow('gateway shares no internal key with billing');
  });

  it('accepts, mid-rotation, the new secret and the last one, then only what it is configured with', async () => {
    const next = secret();
    const rotating = new InternalTokenVerifier(
      'user-service',
      new Map([['gateway', [next, gatewayUser]]]),
      clock,
    );
    // A gateway still on the old secret, and one already on the new.
    expect((await rotating.verify(await gatewayWith([gatewayUser]).issue('user-service'))).caller).toBe(
      'gateway',
    );
    expect((await rotating.verify(await gatewayWith([next, gatewayUser]).issue('user-service'))).caller).toBe(
      'gateway',
    );
    const rotated = new InternalTokenVerifier('user-service', new Map([['gateway', [next]]]), clock);
    await expect(
      rotated.verify(await gatewayWith([gatewayUser]).issue('user-service')),
    ).rejects.toBeInstanceOf(InternalAuthenticationFailed);
  });

  it('refuses a request without a token', async () => {
    await refused(undefined);
    await refused('');
  });

  it('refuses a token meant for another service', async () => {
    await refused(await gateway.issue('auth-service', VOUCH));
  });

  it('refuses a token older than its minute, and one from the future beyond the leeway', async () => {
    const token = await gateway.issue('user-service', VOUCH);
    clock.advanceSeconds(66);
    await refused(token);
    // From a gateway whose clock runs 30 s ahead of this service's.
    const ahead = new TestClock(new Date(clock.now().getTime() + 30_000));
    const early = gatewayWith([gatewayUser], ahead);
    await refused(await early.issue('user-service', VOUCH));
    // Within the leeway (5 s), it passes.
    ahead.advanceSeconds(-27);
    expect((await userService.verify(await early.issue('user-service', VOUCH))).caller).toBe('gateway');
  });

  it('accepts each token once: a replay within its life is refused', async () => {
    const token = await gateway.issue('user-service', VOUCH);
    await userService.verify(token);
    await refused(token);
    const twice = await gateway.issue('user-service', VOUCH);
    const results = await Promise.allSettled([userService.verify(twice), userService.verify(twice)]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('refuses forgeries: an unknown key, a caller speaking as another, alg none, a long life, a bad principal', async () => {
    const stranger = secret();
    const now = Math.floor(clock.now().getTime() / 1000);
    const forged = (claims: Record<string, unknown>, kid: string, key = stranger, iss = kid, lifetime = 60) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'latchkey-internal+jwt', kid })
        .setIssuer(iss)
        .setAudience('user-service')
        .setIssuedAt(now)
        .setExpirationTime(now + lifetime)
        .setJti(`jti-${Math.random()}`)
        .sign(key);
    const gatewayKey = gatewayUser;

    await refused(await forged({ principal: PRINCIPAL }, 'gateway')); // signed by someone else
    await refused(await forged({}, 'billing', stranger)); // a caller this service does not know
    await refused(await forged({}, 'gateway', gatewayKey, 'auth-service')); // the gateway's key, claiming to be auth
    await refused(await forged({}, 'auth-service', gatewayKey)); // the gateway's key, under auth's name
    await refused(await forged({}, 'gateway', gatewayAuth)); // the gateway's secret with another service
    await refused(await forged({}, 'gateway', gatewayKey, 'gateway', 3600)); // an hour of life
    await refused(await forged({ principal: { userId: 'u1' }, ath: 'x' }, 'gateway', gatewayKey)); // half a principal
    await refused(await forged({ principal: PRINCIPAL }, 'gateway', gatewayKey)); // a principal bound to no token
    await refused(
      new UnsecuredJWT({ principal: PRINCIPAL })
        .setIssuer('gateway')
        .setAudience('user-service')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .setJti('x')
        .encode(),
    );
    // Beside the format: a header naming where to fetch keys, another type, a payload changed after signing,
    // a signature cut short, and what is not a token at all.
    const fetchKeys = await new SignJWT({})
      .setProtectedHeader({
        alg: 'HS256',
        typ: 'latchkey-internal+jwt',
        kid: 'gateway',
        jku: 'https://attacker.example/keys',
      })
      .setIssuer('gateway')
      .setAudience('user-service')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti('jku')
      .sign(gatewayKey);
    await refused(fetchKeys);
    const untyped = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'gateway' })
      .setIssuer('gateway')
      .setAudience('user-service')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti('untyped')
      .sign(gatewayKey);
    await refused(untyped);
    // The pair's secret, under another algorithm: only HS256 is this format.
    const otherAlgorithm = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS384', typ: 'latchkey-internal+jwt', kid: 'gateway' })
      .setIssuer('gateway')
      .setAudience('user-service')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti('hs384')
      .sign(gatewayKey);
    await refused(otherAlgorithm);
    const [header, , signature] = (await gateway.issue('user-service')).split('.');
    const lifted = Buffer.from(
      JSON.stringify({
        iss: 'gateway',
        aud: 'user-service',
        iat: now,
        exp: now + 60,
        jti: 'lifted',
        principal: PRINCIPAL,
        ath: 'x',
      }),
    ).toString('base64url');
    await refused(`${header}.${lifted}.${signature}`);
    const whole = await gateway.issue('user-service');
    await refused(whole.slice(0, -4));
    for (const junk of ['a.b', 'a.b.c.d', `${whole}.`, 'é.é.é', '..']) await refused(junk);
    // The well-formed one, for contrast.
    expect(
      (await userService.verify(await forged({ principal: PRINCIPAL, ath: 'x' }, 'gateway', gatewayKey)))
        .caller,
    ).toBe('gateway');
  });
});
