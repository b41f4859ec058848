import { statSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app-factory';
import { loadConfig } from '../../apps/api/src/api-config';
import { TestRoutesModule } from '../../apps/api/src/testing/test-routes.module';
import { contract, startTestApp, type TestApp, describeEmbeddedOnly } from '../support/test-app';
import { TcpProxy } from '../support/tcp-proxy';

const echo = { email: 'someone@example.com', count: 3, note: 'hello' };

function expectErrorResponse(response: request.Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(contract.schemaProblems('ErrorResponse', response.body)).toEqual([]);
  expect(response.body.code).toBe(code);
  expect(response.body.traceId).toBe(response.headers['x-request-id']);
  expect(response.text).not.toMatch(/\bat .+\.(js|ts):\d+/); // no stack frames, ever
}

describe('platform: bad input, request ids and headers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { CORS_ORIGINS: 'https://app.example.com' },
      extraModules: [TestRoutesModule],
    });
  });
  afterAll(() => app.close());

  it('accepts a valid body (control case for the failures below)', async () => {
    await request(app.server).post('/internal/echo').send(echo).expect(201, echo);
  });

  it('malformed JSON → 400 VALIDATION_FAILED naming the body', async () => {
    const response = await request(app.server)
      .post('/internal/echo')
      .set('content-type', 'application/json')
      .send('{"email":');
    expectErrorResponse(response, 400, 'VALIDATION_FAILED');
    expect(response.body.details).toEqual([{ field: 'body', message: 'The request body is not valid JSON' }]);
  });

  it('wrong content type → 415 UNSUPPORTED_MEDIA_TYPE (text/plain and forms are not parsed)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await request(app.server)
        .post('/internal/echo')
        .set('content-type', type)
        .send('email=x');
      expectErrorResponse(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('body over 64 KiB → 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await request(app.server)
      .post('/internal/echo')
      .send({ ...echo, note: 'x'.repeat(70 * 1024) });
    expectErrorResponse(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('invalid fields → 400 with one detail per failed rule, naming each field', async () => {
    const response = await request(app.server).post('/internal/echo').send({ email: 'nope', count: 99 });
    expectErrorResponse(response, 400, 'VALIDATION_FAILED');
    const fields = (response.body.details as { field: string }[]).map((detail) => detail.field);
    expect(new Set(fields)).toEqual(new Set(['email', 'count', 'note']));
  });

  it('a missing field gets one detail, not one per rule it breaks', async () => {
    const response = await request(app.server)
      .post('/auth/register')
      .send({ email: 'one-detail@example.com', password: 'a long and unremarkable passphrase' });
    expectErrorResponse(response, 400, 'VALIDATION_FAILED');
    expect(response.body.details).toHaveLength(1);
    expect(response.body.details[0].field).toBe('name');
  });

  it('unknown fields are refused, never bound (no mass assignment)', async () => {
    const response = await request(app.server)
      .post('/internal/echo')
      .send({ ...echo, roles: ['admin'] });
    expectErrorResponse(response, 400, 'VALIDATION_FAILED');
    expect(response.body.details).toEqual([{ field: 'roles', message: 'property roles should not exist' }]);
  });

  it('U+0000 in any string → 400 naming the field, not a 500 from the database', async () => {
    const response = await request(app.server)
      .post('/internal/echo')
      .send({ ...echo, note: 'a\u0000b' });
    expectErrorResponse(response, 400, 'VALIDATION_FAILED');
    expect(response.body.details).toEqual([
      { field: 'note', message: 'note must not contain the NUL character (U+0000)' },
    ]);
    // On a route that writes it (the name reaches PostgreSQL, which cannot store U+0000).
    const registration = await request(app.server)
      .post('/auth/register')
      .send({ email: 'nul@example.com', password: 'a long and unremarkable passphrase', name: 'a\u0000b' });
    expectErrorResponse(registration, 400, 'VALIDATION_FAILED');
    expect(registration.body.details).toEqual([
      { field: 'name', message: 'name must not contain the NUL character (U+0000)' },
    ]);
  });

  it('a missing body → 400, not 500', async () => {
    expectErrorResponse(await request(app.server).post('/internal/echo'), 400, 'VALIDATION_FAILED');
  });

  it("echoes a caller's X-Request-Id and uses it as traceId", async () => {
    const id = 'client-trace-0001';
    const response = await request(app.server).post('/internal/echo').set('x-request-id', id).send({});
    expect(response.headers['x-request-id']).toBe(id);
    expect(response.body.traceId).toBe(id);
  });

  it('replaces an invalid X-Request-Id with a UUID', async () => {
    const response = await request(app.server).get('/health').set('x-request-id', 'bad id\twith tab');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers on every response, and no X-Powered-By', async () => {
    for (const url of ['/health', '/no/such/route']) {
      const response = await request(app.server).get(url);
      expect(response.headers).toMatchObject({
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'origin-agent-cluster': '?1',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      });
      const csp = response.headers['content-security-policy'];
      for (const directive of ["default-src 'self'", "frame-ancestors 'self'", "object-src 'none'"]) {
        expect(csp).toContain(directive);
      }
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('CORS: an allowlisted origin gets credentials; any other gets no CORS headers at all', async () => {
    const allowed = await request(app.server).get('/health').set('origin', 'https://app.example.com');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');

    const foreign = await request(app.server).get('/health').set('origin', 'https://evil.example.net');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await request(app.server)
      .options('/health')
      .set('origin', 'https://app.example.com')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'content-type,x-token-transport');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(preflight.headers['access-control-allow-headers']).toContain('x-token-transport');
  });

  it('CORS: a preflight from an origin not in CORS_ORIGINS is refused plainly (403), not a 404', async () => {
    for (const path of ['/auth/login', '/health', '/no/such/route']) {
      const refused = await request(app.server)
        .options(path)
        .set('origin', 'https://evil.example.net')
        .set('access-control-request-method', 'POST');
      expectErrorResponse(refused, 403, 'FORBIDDEN');
      expect(refused.body.message).toContain('CORS_ORIGINS');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      expect(refused.headers['access-control-allow-methods']).toBeUndefined();
    }
  });
});

// The embedded database only, whatever the suites run on: once, in the PGlite run.
describeEmbeddedOnly('platform: embedded defaults survive a restart', () => {
  it('keeps the same signing key (mode 0600) and the same PGlite data across restarts', async () => {
    const app = await startTestApp();
    const dataDir = app.dataDir;
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir };
    await app.close().catch(() => undefined);

    // The app owns its on-disk PGlite here, exactly as `pnpm start` without DATABASE_URL.
    const first = await createApp({ config: loadConfig(env) });
    const jwksBefore = (await request(first.app.getHttpServer()).get('/jwks').expect(200)).body;
    await first.database.db.execute(
      `insert into profiles (user_id, name, created_at, updated_at) values ('6b1f4c39-8f3c-4a38-9a57-8f7f0c8e2d11', 'Persisted', now(), now())` as never,
    );
    await first.close();

    const second = await createApp({ config: loadConfig(env) });
    const jwksAfter = (await request(second.app.getHttpServer()).get('/jwks').expect(200)).body;
    const rows = await second.database.db.execute(`select name from profiles` as never);
    await second.close();

    expect(jwksAfter).toEqual(jwksBefore);
    expect((rows as unknown as { rows: { name: string }[] }).rows).toEqual([{ name: 'Persisted' }]);
    const keyFile = path.join(dataDir, 'keys', `${jwksBefore.keys[0].kid}.json`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
  }, 120_000); // three PGlite start-ups on disk: seconds each, more on a loaded 2-core runner
});

describe('platform: graceful shutdown', () => {
  it('finishes an in-flight request, then stops accepting', async () => {
    const app = await startTestApp({ extraModules: [TestRoutesModule] });
    await app.latchkey.app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.latchkey.app.getUrl();
    const inFlight = fetch(`${url}/internal/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = app.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

const postgresUrl = process.env.TEST_DATABASE_URL;
// Cutting a server's connections needs a server: under PGlite there is none to lose.
(postgresUrl ? describe : describe.skip)('platform: readiness follows the real database', () => {
  it('answers 503 within 2 s of PostgreSQL going away and 200 again when it returns, without a restart', async () => {
    const app = await startTestApp();
    const target = new URL(app.db.url!);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(target);
    viaProxy.port = String(proxy.port);
    const probed = await createApp({
      config: loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATA_DIR: app.dataDir,
        DATABASE_URL: viaProxy.toString(),
        DB_MIGRATE_ON_START: 'false',
      }),
    });
    const server = probed.app.getHttpServer();
    try {
      await request(server).get('/health/ready').expect(200);

      await proxy.cut();
      const started = Date.now();
      const down = await request(server).get('/health/ready');
      expect(Date.now() - started).toBeLessThan(2_000);
      expectErrorResponse(down, 503, 'SERVICE_UNAVAILABLE');
      expect(down.headers['retry-after']).toBe('5');
      await request(server).get('/health').expect(200); // liveness does not depend on the database

      await proxy.restore();
      await request(server).get('/health/ready').expect(200);
    } finally {
      await proxy.cut();
      await probed.close();
      await app.close();
    }
  });
});
