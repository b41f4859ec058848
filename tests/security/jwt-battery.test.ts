import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import type request from 'supertest';
import { claimsOf, headerOf, me, registerAndLogin } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

type SigningKey = Parameters<SignJWT['sign']>[0];

const ISSUER = 'http://localhost:3000';
const AUDIENCE = 'latchkey';

/** RFC 6750 §3.1: a presented-but-refused token is `invalid_token`, whatever was wrong with it. */
function expectInvalidToken(response: request.Response): void {
  expect(response.status).toBe(401);
  expect(response.body.code).toBe('UNAUTHORIZED');
  expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
  expect(response.headers['www-authenticate']).toContain('invalid_token');
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('access tokens: forged, altered and expired JWTs are refused', () => {
  let app: TestApp;
  let validToken: string;
  let claims: JWTPayload;
  let kid: string;
  let ourPrivateKey: KeyObject;
  let ourPublicPem: string;
  let foreignKey: SigningKey;
  let foreignPublicJwk: Record<string, unknown>;

  beforeAll(async () => {
    app = await startTestApp();
    validToken = (await registerAndLogin(app)).tokens.accessToken;
    claims = claimsOf(validToken) as JWTPayload;
    kid = headerOf(validToken).kid as string;

    const jwks = (await app.api.get('/jwks').expect(200)).body as { keys: { kid: string }[] };
    const publishedJwk = jwks.keys.find((key) => key.kid === kid);
    expect(publishedJwk).toBeDefined();
    ourPublicPem = createPublicKey({ key: publishedJwk!, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const stored = JSON.parse(readFileSync(path.join(app.dataDir, 'keys', `${kid}.json`), 'utf8')) as {
      privateKeyPem: string;
    };
    ourPrivateKey = createPrivateKey(stored.privateKeyPem);

    const foreign = await generateKeyPair('RS256', { extractable: true });
    foreignKey = foreign.privateKey;
    foreignPublicJwk = { ...(await exportJWK(foreign.publicKey)), kid: 'attacker-key-1', alg: 'RS256' };
  });
  afterAll(() => app.close());

  /** The real token's claims, re-signed: only what the test overrides differs from a genuine token. */
  function forge(options: {
    header?: Partial<JWTHeaderParameters>;
    claims?: JWTPayload;
    key?: SigningKey;
  }): Promise<string> {
    return new SignJWT({ ...claims, ...options.claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid, ...options.header } as JWTHeaderParameters)
      .sign(options.key ?? ourPrivateKey);
  }

  function nowSeconds(): number {
    return Math.floor(app.clock.now().getTime() / 1000);
  }

  function expiredBy(seconds: number): JWTPayload {
    const exp = nowSeconds() - seconds;
    return { iat: exp - ((claims.exp as number) - (claims.iat as number)), exp };
  }

  it('accepts the genuine token (control: every attack below changes one thing about it)', async () => {
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE });
    await me(app, validToken).expect(200);
    // and a faithful re-signing of it, so a refusal below is due to the attacked property alone
    await me(app, await forge({})).expect(200);
  });

  const attacks: [string, () => Promise<string>][] = [
    [
      'alg: none (unsigned)',
      async () => `${base64url({ alg: 'none', typ: 'at+jwt', kid })}.${base64url(claims)}.`,
    ],
    [
      'HS256 keyed with our RSA public key (algorithm confusion)',
      () => forge({ header: { alg: 'HS256' }, key: new TextEncoder().encode(ourPublicPem) }),
    ],
    ['a foreign RSA key under our real kid', () => forge({ key: foreignKey })],
    ['our real private key under an unknown kid', () => forge({ header: { kid: 'no-such-key' } })],
    [
      'a foreign key advertised through a jku header',
      () =>
        forge({
          header: { kid: foreignPublicJwk.kid as string, jku: 'https://attacker.example/jwks.json' },
          key: foreignKey,
        }),
    ],
    [
      'a foreign key embedded in a jwk header',
      () =>
        forge({
          header: {
            kid: foreignPublicJwk.kid as string,
            jwk: foreignPublicJwk as JWTHeaderParameters['jwk'],
          },
          key: foreignKey,
        }),
    ],
    ['expired 61 s ago (beyond the 30 s leeway)', () => forge({ claims: expiredBy(61) })],
    ['a foreign audience', () => forge({ claims: { aud: 'some-other-api' } })],
    ['a foreign issuer', () => forge({ claims: { iss: 'https://attacker.example' } })],
    [
      'a payload granting admin under the original signature',
      async () => {
        const [header, , signature] = validToken.split('.');
        const roles = [...(claims.roles as string[]), 'admin'];
        return `${header}.${base64url({ ...claims, roles })}.${signature}`;
      },
    ],
    [
      'no typ: at+jwt header (RFC 9068 §4: an ID token is not an access token)',
      () => forge({ header: { typ: undefined } }),
    ],
  ];

  it.each(attacks)('refuses %s', async (_name, makeToken) => {
    expectInvalidToken(await me(app, await makeToken()));
  });

  it('still accepts a token expired 20 s ago (within the 30 s clock-skew leeway)', async () => {
    await me(app, await forge({ claims: expiredBy(20) })).expect(200);
  });

  it('refuses a malformed bearer token as an invalid token', async () => {
    expectInvalidToken(await app.api.get('/auth/me').set('authorization', 'Bearer not.a.jwt'));
    expectInvalidToken(await app.api.get('/auth/me').set('authorization', 'Bearer two tokens'));
  });

  it('treats another scheme as no credentials: 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const response = await app.api.get('/auth/me').set('authorization', 'Basic abc').expect(401);
    expect(response.body.code).toBe('UNAUTHORIZED');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('accepts the scheme name in any case (RFC 7235 §2.1)', async () => {
    await app.api.get('/auth/me').set('authorization', `bearer ${validToken}`).expect(200);
  });
});
