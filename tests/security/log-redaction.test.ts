import { Writable } from 'node:stream';
import { createLogger } from '@latchkey/platform';
import { aUser } from '../support/auth';
import { startTestApp, type TestApp, testTarget } from '../support/test-app';

interface LogLine {
  msg?: string;
  requestId?: string;
  route?: string;
  method?: string;
  statusCode?: number;
  [key: string]: unknown;
}

/** Everything the app logs, exactly as it would reach stdout in production. */
class LogBuffer extends Writable {
  private text = '';

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.text += chunk.toString();
    done();
  }

  rawLines(): string[] {
    return this.text.split('\n').filter((line) => line.length > 0);
  }

  lines(): LogLine[] {
    return this.rawLines().map((line) => JSON.parse(line) as LogLine);
  }
}

/**
 * Logs outlive tokens and reach people and systems that must never hold credentials (OWASP ASVS
 * V7.1.1): no password, token or Authorization header may appear in any line, and every line
 * must still be traceable to its request.
 */
describe('logs: secrets never reach a line, and every request is traceable', () => {
  let app: TestApp;
  const logs = new LogBuffer();
  beforeAll(async () => {
    app = await startTestApp({ logger: createLogger('info', logs) });
  });
  afterAll(() => app.close());

  it('runs register → login → me → refresh → logout and a failed login without logging a secret', async () => {
    const user = aUser();
    const wrongPassword = 'a wrong but equally unremarkable passphrase';
    // One id per request; what each should log on completion is checked against it below.
    const expected = {
      'redaction-register-0001': { method: 'POST', route: '/auth/register', statusCode: 201 },
      'redaction-login-0002': { method: 'POST', route: '/auth/login', statusCode: 200 },
      'redaction-me-0003': { method: 'GET', route: '/auth/me', statusCode: 200 },
      'redaction-refresh-0004': { method: 'POST', route: '/auth/refresh', statusCode: 200 },
      'redaction-logout-0005': { method: 'POST', route: '/auth/logout', statusCode: 204 },
      'redaction-bad-login-0006': { method: 'POST', route: '/auth/login', statusCode: 401 },
    };

    await app.api
      .post('/auth/register')
      .set('x-request-id', 'redaction-register-0001')
      .send(user)
      .expect(201);
    const loggedIn = await app.api
      .post('/auth/login')
      .set('x-request-id', 'redaction-login-0002')
      .send({ email: user.email, password: user.password })
      .expect(200);
    const { accessToken, refreshToken } = loggedIn.body as { accessToken: string; refreshToken: string };
    const bearer = `Bearer ${accessToken}`;
    await app.api
      .get('/auth/me')
      .set('x-request-id', 'redaction-me-0003')
      .set('authorization', bearer)
      .expect(200);
    const refreshed = await app.api
      .post('/auth/refresh')
      .set('x-request-id', 'redaction-refresh-0004')
      .send({ refreshToken })
      .expect(200);
    const rotated = refreshed.body as { accessToken: string; refreshToken: string };
    const rotatedBearer = `Bearer ${rotated.accessToken}`;
    await app.api
      .post('/auth/logout')
      .set('x-request-id', 'redaction-logout-0005')
      .set('authorization', rotatedBearer)
      .send({ refreshToken: rotated.refreshToken })
      .expect(204);
    await app.api
      .post('/auth/login')
      .set('x-request-id', 'redaction-bad-login-0006')
      .send({ email: user.email, password: wrongPassword })
      .expect(401);

    const raw = logs.rawLines();
    const lines = logs.lines(); // also proves every line is JSON
    expect(lines.length).toBeGreaterThan(0);

    const secrets = {
      password: user.password,
      wrongPassword,
      accessToken,
      rotatedAccessToken: rotated.accessToken,
      refreshToken,
      rotatedRefreshToken: rotated.refreshToken,
      authorization: bearer,
      rotatedAuthorization: rotatedBearer,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect({ name, leakedIn: raw.filter((line) => line.includes(secret)) }).toEqual({ name, leakedIn: [] });
    }

    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.filter((line) => line.requestId === undefined)).toEqual([]);
    for (const [requestId, request] of Object.entries(expected)) {
      // Through the services deployment the gateway logs the request too, under its proxy route.
      const hops =
        testTarget() === 'services'
          ? [expect.objectContaining(request), expect.objectContaining({ ...request, route: '/auth/*' })]
          : [expect.objectContaining(request)];
      const logged = completed.filter((line) => line.requestId === requestId);
      expect(logged).toHaveLength(hops.length);
      expect(logged).toEqual(expect.arrayContaining(hops));
    }
    // Only our six requests ran, so any other id on a line was attached to the wrong request.
    const ids = new Set(Object.keys(expected));
    expect(lines.filter((line) => line.requestId !== undefined && !ids.has(line.requestId))).toEqual([]);
  });
});
