import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { internalCallOf, requireInternalCallers } from './internal-callers-only';
import {
  accessTokenHash,
  INTERNAL_TOKEN_HEADER,
  InternalTokenIssuer,
  InternalTokenVerifier,
} from './internal-tokens';

describe('requireInternalCallers: a service answers the gateway and its peers only', () => {
  const shared = randomBytes(32);
  const clock = new TestClock(new Date('2026-12-03T12:00:00Z'));
  let app: FastifyInstance;
  let gateway: InternalTokenIssuer;
  let handled: unknown[];

  beforeEach(async () => {
    handled = [];
    // One secret for both services (a deployment that reused it): the audience still keeps them apart.
    gateway = new InternalTokenIssuer(
      'gateway',
      new Map([
        ['user-service', [shared]],
        ['auth-service', [shared]],
      ]),
      clock,
    );
    const verifier = new InternalTokenVerifier('user-service', new Map([['gateway', [shared]]]), clock);
    app = Fastify();
    requireInternalCallers(app, verifier);
    app.post('/v1/users/:id', async (request) => {
      handled.push(request.body);
      return internalCallOf(request) ?? null;
    });
    app.get('/health/ready', async () => ({ status: 'ok' }));
    await app.ready();
  });

  afterEach(() => app.close());

  const post = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/users/u1', headers, payload: { name: 'Mallory' } });

  it('refuses a request without a valid internal token with 401 before any route runs', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { [INTERNAL_TOKEN_HEADER]: 'not-a-token' },
      { [INTERNAL_TOKEN_HEADER]: await gateway.issue('auth-service') }, // addressed elsewhere
      { authorization: 'Bearer whatever', 'x-user-id': 'u1' },
    ];
    for (const headers of attempts) {
      const response = await post(headers);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('LatchkeyInternal');
      expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED', traceId: expect.any(String) });
    }
    expect(handled).toEqual([]);
  });

  it('lets the health probes through without one, by the route matched rather than the URL', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    for (const url of ['/health/../v1/users/u1', '/health%2F..%2Fv1%2Fusers%2Fu1', '/v1/no-such-route']) {
      expect((await app.inject({ method: 'POST', url, payload: {} })).statusCode).toBe(401);
    }
    expect(handled).toEqual([]);
  });

  it('hands the route the verified call, and only that: a client-set identity header means nothing', async () => {
    const principal = { userId: 'u2', sessionId: 's2', roles: ['user'], permissions: ['account:read'] };
    const token = await gateway.issue('user-service', { principal, accessToken: 'access-token' });
    const response = await post({ [INTERNAL_TOKEN_HEADER]: token, 'x-user-id': 'u1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ caller: 'gateway', principal, ath: accessTokenHash('access-token') });
    expect(handled).toEqual([{ name: 'Mallory' }]);

    const anonymous = await post({ [INTERNAL_TOKEN_HEADER]: await gateway.issue('user-service') });
    expect(anonymous.json()).toEqual({ caller: 'gateway' });
    // The same token again: a replay.
    expect((await post({ [INTERNAL_TOKEN_HEADER]: token })).statusCode).toBe(401);
  });
});
