import net from 'node:net';
import request from 'supertest';
import { contract, startTestApp, type TestApp, testTarget } from '../support/test-app';

/**
 * The attack findings on input (issue 19, defects 1, 2, 3 and 6): each request below answered
 * 500, or a body that was not an ErrorResponse, before the fix.
 */
function expectErrorResponse(response: request.Response, status: number, code: string): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(contract.schemaProblems('ErrorResponse', response.body)).toEqual([]);
  expect(response.body.traceId).toBe(response.headers['x-request-id']);
}

const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Raw HTTP over a socket: what supertest and fetch refuse to send. */
async function rawRequest(
  port: number,
  text: string,
): Promise<{ status: number; headers: string; body: string }> {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('end', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('error', (error) => (received ? resolve(received) : reject(error)));
  });
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body };
}

describe('hostile input gets a 4xx ErrorResponse, never a 500 or a framework body', () => {
  let app: TestApp;
  let port: number;
  beforeAll(async () => {
    app = await startTestApp();
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => app.close());

  describe('defect 1: deeply nested JSON', () => {
    it.each([
      ['objects', deepObject(3000)],
      ['arrays', deepArray(3000)],
    ])('3,000 levels of %s → 400 VALIDATION_FAILED on every JSON route', async (_kind, body) => {
      for (const url of ['/auth/logout', '/auth/login', '/auth/register', '/auth/verify/confirm']) {
        const response = await request(app.server)
          .post(url)
          .set('content-type', 'application/json')
          .send(body);
        expectErrorResponse(response, 400, 'VALIDATION_FAILED');
        expect(response.body.details).toEqual([
          { field: 'body', message: 'The request body nests deeper than 16 levels' },
        ]);
      }
    });

    it('the bound counts brackets, not strings that contain them', async () => {
      const response = await request(app.server)
        .post('/auth/login')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ email: 'x@example.com', password: `${'{['.repeat(500)}"\\` }));
      expectErrorResponse(response, 401, 'UNAUTHORIZED');
    });

    it('logout is rate limited like the other unauthenticated writes', async () => {
      const limited = await startTestApp({ env: { RATE_LIMIT_LOGOUT_IP: '3/1m' } });
      try {
        for (let i = 0; i < 3; i++)
          await limited.api.post('/auth/logout').send({ refreshToken: 'unknown' }).expect(204);
        const response = await limited.api.post('/auth/logout').send({ refreshToken: 'unknown' });
        expectErrorResponse(response, 429, 'RATE_LIMITED');
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await limited.close();
      }
    });
  });

  describe('defect 2: null in an optional field', () => {
    it.each([
      ['/auth/verify/request', { email: null }, 'email'],
      ['/auth/verify/confirm', { token: null }, 'token'],
      ['/auth/verify/confirm', { email: 'someone@example.com', code: null }, 'code'],
      ['/auth/logout', { refreshToken: null }, 'refreshToken'],
      ['/auth/logout', { allDevices: null }, 'allDevices'],
      ['/auth/refresh', { refreshToken: null }, 'refreshToken'],
      ['/auth/login', { email: 'someone@example.com', password: 'x', deviceId: null }, 'deviceId'],
    ])('%s with %j → 400 VALIDATION_FAILED naming %s', async (url, body, field) => {
      const response = await request(app.server).post(url).send(body);
      expectErrorResponse(response, 400, 'VALIDATION_FAILED');
      expect((response.body.details as { field: string }[]).map((detail) => detail.field)).toContain(field);
    });
  });

  describe('defect 3: ill-formed Unicode', () => {
    const lone = '\ud800';
    it.each([
      ['/auth/login', { email: `${lone}@example.com`, password: 'x' }, 'email'],
      ['/auth/register', { email: `${lone}@example.com`, password: 'x', name: 'y' }, 'email'],
      ['/auth/password-reset/request', { email: `${lone}@example.com` }, 'email'],
      ['/auth/register', { email: 'ok@example.com', password: 'x', name: `a${lone}` }, 'name'],
      ['/auth/login', { email: 'ok@example.com', password: `pass\udc00word` }, 'password'],
    ])('%s with a lone surrogate → 400 naming %s', async (url, body, field) => {
      // JSON.stringify escapes a lone surrogate as \ud800, which is exactly what an attacker sends.
      const response = await request(app.server)
        .post(url)
        .set('content-type', 'application/json')
        .send(JSON.stringify(body));
      expectErrorResponse(response, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([
        { field, message: `${field} must be well-formed Unicode (no lone surrogate)` },
      ]);
    });

    it('a lone surrogate in a field name is refused too', async () => {
      const response = await request(app.server)
        .post('/auth/login')
        .set('content-type', 'application/json')
        .send('{"email":"ok@example.com","password":"x","\\udfff":1}');
      expectErrorResponse(response, 400, 'VALIDATION_FAILED');
    });
  });

  describe("defect 6: Fastify's and Node's own refusals", () => {
    it('a malformed %-escape in the URL → 400 VALIDATION_FAILED naming the url', async () => {
      const response = await request(app.server).get('/users/%ZZ');
      expectErrorResponse(response, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([
        { field: 'url', message: 'The URL holds a malformed percent-encoding' },
      ]);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    });

    it('a path parameter over 100 characters → 414 URI_TOO_LONG', async () => {
      const response = await request(app.server).get(`/users/${'a'.repeat(120)}`);
      expectErrorResponse(response, 414, 'URI_TOO_LONG');
    });

    it.each([
      ['a header', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`],
      ['the URL', `GET /${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ])('%s over 16 KiB → 431 HEADERS_TOO_LARGE with a traceId', async (_what, text) => {
      const { status, headers, body } = await rawRequest(port, text);
      expect(status).toBe(431);
      // On the serverless deployment the HTTP parser is API Gateway's, and so is the refusal:
      // the function never sees the request (its own body, its request id).
      if (testTarget() === 'serverless') {
        expect(JSON.parse(body)).toEqual({ message: 'Request Header Fields Too Large' });
        expect(headers).toContain('apigw-requestid: ');
        return;
      }
      const parsed = JSON.parse(body) as { code: string; traceId: string };
      expect(contract.schemaProblems('ErrorResponse', parsed)).toEqual([]);
      expect(parsed.code).toBe('HEADERS_TOO_LARGE');
      expect(headers).toContain(`x-request-id: ${parsed.traceId}`);
    });

    it('bytes that are not HTTP → 400 VALIDATION_FAILED', async () => {
      const { status, body } = await rawRequest(port, 'HELLO WORLD\r\n\r\n');
      expect(status).toBe(400);
      expect(JSON.parse(body)).toMatchObject(
        testTarget() === 'serverless' ? { message: 'Bad Request' } : { code: 'VALIDATION_FAILED' },
      );
    });
  });
});
