import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint } from 'jose';
import request from 'supertest';
import { claimsOf, registerAndLogin } from '../support/auth';
import { SPEC_FILE } from '../support/contract';
import { contract, startTestApp, type TestApp, testTarget } from '../support/test-app';

describe('platform routes against docs/openapi.yaml', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('GET /health answers 200 without touching dependencies', async () => {
    const response = await app.api.get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready answers 200 when the database answers', async () => {
    const response = await app.api.get('/health/ready').expect(200);
    // The services deployment's public entry is the gateway: ready with the services behind it.
    // The serverless deployment shares its limits through Redis (required on Lambda in production).
    const checks =
      testTarget() === 'services'
        ? { 'auth-service': 'up', 'user-service': 'up' }
        : testTarget() === 'serverless'
          ? { database: 'up', redis: 'up' }
          : { database: 'up' };
    expect(response.body).toEqual({ status: 'ready', checks });
  });

  it('GET /jwks publishes the active public key with an RFC 7638 kid and no private members', async () => {
    const response = await app.api.get('/jwks').expect(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body.keys).toHaveLength(1);
    const [key] = response.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty: 'RSA', n: key.n, e: key.e }, 'sha256'));
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    expect(Buffer.from(key.n, 'base64url').length * 8).toBe(2048);
  });

  it('GET /.well-known/jwks.json is the same key set', async () => {
    const [jwks, wellKnown] = await Promise.all([
      app.api.get('/jwks'),
      app.api.get('/.well-known/jwks.json'),
    ]);
    expect(wellKnown.status).toBe(200);
    expect(wellKnown.body).toEqual(jwks.body);
  });

  it('GET /.well-known/openid-configuration names the tokens’ issuer and their keys, cached like them', async () => {
    const response = await app.api.get('/.well-known/openid-configuration').expect(200);
    const { tokens } = await registerAndLogin(app);
    const { iss } = claimsOf(tokens.accessToken) as { iss: string };
    // OpenID Connect Discovery 1.0 §3: what a JWT verifier reads, and no endpoint that does not exist.
    expect(response.body).toMatchObject({
      issuer: iss,
      jwks_uri: `${iss.replace(/\/+$/, '')}/.well-known/jwks.json`,
      response_types_supported: [],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    for (const absent of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'registration_endpoint',
    ])
      expect(response.body).not.toHaveProperty(absent);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    await app.api
      .get('/.well-known/openid-configuration')
      .set('if-none-match', response.headers.etag!)
      .expect(304);
  });

  it('GET /openapi.yaml serves the committed contract byte for byte', async () => {
    const response = await app.api.get('/openapi.yaml').expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/yaml/);
    expect(response.text).toBe(readFileSync(SPEC_FILE, 'utf8'));
  });

  it('GET /docs serves Swagger UI under a Content-Security-Policy', async () => {
    const response = await app.api.get('/docs').expect(200);
    expect(response.text).toContain('swagger-ui');
    expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
    await request(app.server).get('/docs/swagger-ui-init.js').expect(200);
  });

  it("lets Swagger UI's Try it out call the origin it was loaded from, whatever host that is", async () => {
    // The document names no host: its one server is relative, so the UI calls its own origin.
    const init = await request(app.server)
      .get('/docs/swagger-ui-init.js')
      .set('host', 'auth.internal.example:8443')
      .expect(200);
    expect(init.text).toMatch(/"servers":\s*\[\s*\{\s*"url":\s*"\/"/);
    expect(init.text).not.toContain('localhost:3000');
    const spec = parse((await app.api.get('/openapi.yaml').expect(200)).text) as {
      servers: { url: string }[];
    };
    expect(spec.servers.map((server) => server.url)).toEqual(['/']);
    // …and the page's CSP lets it: connections to its own origin, no upgrade of http calls to
    // https (a plain-HTTP host other than localhost would have every call fail).
    const csp = String((await app.api.get('/docs').expect(200)).headers['content-security-policy']);
    expect(csp.split(';')).toContain("connect-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('answers unknown routes with an ErrorResponse that validates against the schema', async () => {
    const response = await request(app.server).get('/no/such/route').expect(404);
    expect(contract.schemaProblems('ErrorResponse', response.body)).toEqual([]);
    expect(response.body).toEqual({
      message: 'Not found',
      code: 'NOT_FOUND',
      traceId: response.headers['x-request-id'],
    });
  });
});
