import { createRemoteJWKSet, customFetch, jwtVerify, SignJWT, generateKeyPair } from 'jose';
import { claimsOf, registerAndLogin } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A verifier that knows only the issuer, as an API Gateway JWT authorizer, Envoy or Kong is
 * configured: it fetches `{issuer}/.well-known/openid-configuration`, then the keys at its
 * `jwks_uri`, and checks a token's signature, `iss` and `aud` with them. `resolve` plays DNS: the
 * issuer's host is this test's server.
 */
async function verifierFromDiscovery(issuer: string, resolve: (url: string) => string) {
  const fetchResolved = (url: string, init?: RequestInit) => fetch(resolve(url), init);
  const response = await fetchResolved(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  const discovery = (await response.json()) as {
    issuer: string;
    jwks_uri: string;
    id_token_signing_alg_values_supported: string[];
  };
  const keys = createRemoteJWKSet(new URL(discovery.jwks_uri), { [customFetch]: fetchResolved });
  return {
    discovery,
    verify: (token: string, audience: string) =>
      jwtVerify(token, keys, {
        issuer: discovery.issuer,
        audience,
        algorithms: discovery.id_token_signing_alg_values_supported,
      }),
  };
}

describe('OIDC discovery: a verifier configured from the issuer alone verifies Latchkey tokens', () => {
  let app: TestApp;
  let origin: string;
  beforeAll(async () => {
    app = await startTestApp();
    await app.latchkey.app.listen(0, '127.0.0.1');
    origin = new URL(await app.latchkey.app.getUrl()).origin;
  });
  afterAll(() => app.close());

  it('finds the keys through discovery and accepts an access token; refuses a forged or foreign one', async () => {
    const { tokens } = await registerAndLogin(app);
    const { iss, aud } = claimsOf(tokens.accessToken) as { iss: string; aud: string };
    const issuerOrigin = new URL(iss).origin;
    const { discovery, verify } = await verifierFromDiscovery(iss, (url) =>
      url.startsWith(issuerOrigin) ? origin + url.slice(issuerOrigin.length) : url,
    );
    expect(discovery.issuer).toBe(iss);
    expect(new URL(discovery.jwks_uri).origin).toBe(issuerOrigin);

    const { payload, protectedHeader } = await verify(tokens.accessToken, aud);
    expect(payload.sub).toBe(claimsOf(tokens.accessToken).sub);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });

    // The keys behind jwks_uri are the key set this API publishes.
    const [viaDiscovery, jwks] = await Promise.all([
      fetch(origin + new URL(discovery.jwks_uri).pathname).then((r) => r.json()),
      app.api.get('/jwks').expect(200),
    ]);
    expect(viaDiscovery).toEqual(jwks.body);

    // Another audience, a tampered payload, a token signed by a key not in the set: refused.
    await expect(verify(tokens.accessToken, 'someone-else')).rejects.toThrow();
    const [header, , signature] = tokens.accessToken.split('.');
    const tampered = Buffer.from(
      JSON.stringify({ ...claimsOf(tokens.accessToken), roles: ['admin'] }),
    ).toString('base64url');
    await expect(verify(`${header}.${tampered}.${signature}`, aud)).rejects.toThrow();
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ sid: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: protectedHeader.kid, typ: 'at+jwt' })
      .setIssuer(iss)
      .setAudience(aud)
      .setSubject('someone')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await expect(verify(foreign, aud)).rejects.toThrow();
  });
});
