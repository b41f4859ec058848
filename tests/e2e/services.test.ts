import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer } from '@latchkey/platform-http';
import request from 'supertest';
import { aUser, claimsOf, login, me, refresh, register, registerAndLogin } from '../support/auth';
import { startServicesApp, type ServicesApp } from '../support/services-app';

describe('the services deployment: a gateway, an auth service and a user service', () => {
  let services: ServicesApp;
  beforeAll(async () => {
    services = await startServicesApp();
  });
  afterAll(() => services.close());

  it('registers, logs in, refreshes and answers /auth/me through the gateway', async () => {
    const { user, userId, tokens } = await registerAndLogin(services);
    expect(claimsOf(tokens.accessToken)).toMatchObject({ sub: userId, roles: ['user'] });
    const rotated = (await refresh(services, tokens.refreshToken).expect(200)).body as {
      accessToken: string;
    };
    const profile = await me(services, rotated.accessToken).expect(200);
    expect(profile.body).toMatchObject({ id: userId, email: user.email, name: user.name });
  });

  it('answers GET /users/{id} right after registration (read-your-writes, before any event)', async () => {
    const { user, userId, tokens } = await registerAndLogin(services);
    const response = await services.api
      .get(`/users/${userId}`)
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .expect(200);
    expect(response.body).toMatchObject({ id: userId, email: user.email, name: user.name, roles: ['user'] });
  });

  it('refuses at the gateway a bearer token the monolith would refuse', async () => {
    const { userId, tokens } = await registerAndLogin(services);
    const forged = `${tokens.accessToken.slice(0, -4)}AAAA`;
    await services.api.get(`/users/${userId}`).set('authorization', `Bearer ${forged}`).expect(401);
    await services.api.get(`/users/${userId}`).expect(401);
  });

  describe('a service reached directly, not through the gateway', () => {
    it('answers 401 without an internal token, and touches nothing', async () => {
      const user = aUser();
      const direct = await request(services.urls['auth-service']).post('/auth/register').send(user);
      expect(direct.status).toBe(401);
      expect(direct.body).toMatchObject({ code: 'UNAUTHORIZED' });
      // The address was not taken by the refused request.
      await register(services, user);
      await request(services.urls['user-service']).get('/users').expect(401);
    });

    it('answers 401 to a token signed by a key it does not trust', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const stranger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
      const forger = await InternalTokenIssuer.fromPem('gateway', stranger.toString(), services.clock);
      await request(services.urls['user-service'])
        .get('/users')
        .set(INTERNAL_TOKEN_HEADER, await forger.issue('user-service'))
        .expect(401);
    });

    it('ignores an identity a client sets in a header: only the vouched principal counts', async () => {
      const victim = await registerAndLogin(services);
      const { tokens } = await registerAndLogin(services);
      const gateway = await InternalTokenIssuer.fromPem(
        'gateway',
        services.keys.gateway.privatePem,
        services.clock,
      );
      // A valid internal token with no principal, and the victim's id in headers: no user.
      await request(services.urls['user-service'])
        .get(`/users/${victim.userId}`)
        .set(INTERNAL_TOKEN_HEADER, await gateway.issue('user-service'))
        .set('authorization', `Bearer ${tokens.accessToken}`)
        .set('x-user-id', victim.userId)
        .expect(401);
    });
  });

  it('logs in with the same token semantics as the monolith: one successor per refresh', async () => {
    const user = aUser();
    await register(services, user);
    const tokens = await login(services, user);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => refresh(services, tokens.refreshToken)),
    );
    const successors = new Set(
      results.filter((r) => r.status === 200).map((r) => (r.body as { refreshToken: string }).refreshToken),
    );
    expect(successors.size).toBe(1);
  });
});
