import {
  GLOBAL_ROLE_PERMISSIONS,
  ORGANIZATION_ROLE_PERMISSIONS,
  organizationPermissionsOf,
  permissionsOf,
} from '@latchkey/contracts';
import { SignJWT } from 'jose';
import { AccessTokenIssuer, activeKeyOf, SigningKeyStore } from '@latchkey/identity/testing';
import { claimsOf, login, PASSWORD, refresh, registerAndLogin, type Tokens } from '../support/auth';
import { users as usersCli } from '../support/cli';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The `permissions` claim (and `org_permissions` for the active organization) comes from the
 * mapping in packages/contracts/src/permissions.ts, and the routes authorize on it: the roles a
 * token also carries grant nothing by themselves.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const bearer = (token: string) => `Bearer ${token}`;

async function anAdmin(): Promise<{ userId: string; sessionId: string; tokens: Tokens }> {
  const { user, userId } = await registerAndLogin(app);
  expect((await usersCli(app, 'grant-admin', user.email)).code).toBe(0);
  const tokens = await login(app, user);
  return { userId, sessionId: claimsOf(tokens.accessToken).sid as string, tokens };
}

/** A token our own key signs for a live session, with the claims the test chooses. */
async function tokenWith(
  session: { userId: string; sessionId: string },
  claims: { roles: string[]; permissions?: string[] },
): Promise<string> {
  if (claims.permissions) {
    const { token } = await app.latchkey.app.get(AccessTokenIssuer, { strict: false }).issue({
      userId: session.userId,
      sessionId: session.sessionId,
      roles: claims.roles,
      permissions: claims.permissions,
    });
    return token;
  }
  // A token signed before the claim existed: the same key, issuer and audience, no `permissions`.
  const key = activeKeyOf(await app.latchkey.app.get(SigningKeyStore, { strict: false }).list())!;
  const { createPrivateKey } = await import('node:crypto');
  return new SignJWT({ sid: session.sessionId, roles: claims.roles })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
    .setIssuer(app.env.JWT_ISSUER ?? 'http://localhost:3000')
    .setAudience(app.env.JWT_AUDIENCE ?? 'latchkey')
    .setSubject(session.userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(Math.floor(app.clock.now().getTime() / 1000))
    .setExpirationTime(Math.floor(app.clock.now().getTime() / 1000) + 600)
    .sign(createPrivateKey(key.privateKeyPem));
}

describe('permissions in the access token, per role', () => {
  it('user: the permissions of the user role, and no org claims without an organization', async () => {
    const { tokens } = await registerAndLogin(app);
    const claims = claimsOf(tokens.accessToken);
    expect(claims.permissions).toEqual([...GLOBAL_ROLE_PERMISSIONS.user]);
    expect(claims).not.toHaveProperty('org_permissions');
  });

  it('admin: the permissions of the admin role (the user role is always held too)', async () => {
    const { tokens } = await anAdmin();
    expect(claimsOf(tokens.accessToken).permissions).toEqual([...GLOBAL_ROLE_PERMISSIONS.admin]);
    expect(permissionsOf(['user', 'admin'])).toEqual([...GLOBAL_ROLE_PERMISSIONS.admin]);
  });

  it.each(Object.keys(ORGANIZATION_ROLE_PERMISSIONS))(
    '%s: org_permissions of that role, for org_id',
    async (role) => {
      const owner = await app.api
        .post('/v1/auth/signup')
        .send({
          email: `owner-${role.toLowerCase()}-${Date.now()}@example.com`,
          password: PASSWORD,
          name: 'Owner',
          organization: {
            name: 'Perm Org',
            slug: `perm-${role.slice(13).toLowerCase()}-${Date.now() % 100000}`,
          },
        })
        .expect(201);
      const organizationId = owner.body.organization.id as string;
      let token = owner.body.accessToken as string;
      if (role !== 'ORGANIZATION_OWNER') {
        const { user, tokens } = await registerAndLogin(app);
        await app.api
          .post(`/v1/organizations/${organizationId}/members`)
          .set('authorization', bearer(token))
          .send({ email: user.email, role })
          .expect(201);
        token = ((await refresh(app, tokens.refreshToken).expect(200)).body as Tokens).accessToken;
      }
      expect(claimsOf(token)).toMatchObject({
        org_id: organizationId,
        org_roles: [role],
        org_permissions: organizationPermissionsOf([role]),
      });
      expect(claimsOf(token).org_permissions).toEqual([
        ...ORGANIZATION_ROLE_PERMISSIONS[role as keyof typeof ORGANIZATION_ROLE_PERMISSIONS],
      ]);
    },
  );
});

describe('routes authorize by permission, whatever the roles say', () => {
  it('refuses an admin-role token without users:read the user list (403, insufficient_scope)', async () => {
    const admin = await anAdmin();
    const token = await tokenWith(admin, { roles: ['user', 'admin'], permissions: ['account:read'] });
    const response = await app.api.get('/v1/users').set('authorization', bearer(token)).expect(403);
    expect(response.body).toMatchObject({
      code: 'FORBIDDEN',
      details: [{ field: 'permissions', message: 'requires users:read' }],
    });
    expect(response.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
    // The same session with its real token is served: only the permissions differ.
    await app.api.get('/v1/users').set('authorization', bearer(admin.tokens.accessToken)).expect(200);
  });

  it('serves what the token permits and no more: own account yes, another user no (404)', async () => {
    const admin = await anAdmin();
    const other = await registerAndLogin(app);
    const token = await tokenWith(admin, { roles: ['user', 'admin'], permissions: ['account:read'] });
    await app.api.get('/v1/auth/me').set('authorization', bearer(token)).expect(200);
    await app.api.get(`/v1/users/${admin.userId}`).set('authorization', bearer(token)).expect(200);
    await app.api.get(`/v1/users/${other.userId}`).set('authorization', bearer(token)).expect(404);
    await app.api
      .patch(`/v1/users/${admin.userId}`)
      .set('authorization', bearer(token))
      .send({ name: 'Renamed' })
      .expect(403);
    await app.api.get('/v1/organizations').set('authorization', bearer(token)).expect(403);
    await app.api
      .get(`/v1/users/${other.userId}`)
      .set('authorization', bearer(admin.tokens.accessToken))
      .expect(200);
  });

  it('grants nothing for permissions the current roles no longer give (a demoted admin)', async () => {
    const admin = await anAdmin();
    await anAdmin(); // so the demotion does not remove the last admin
    await app.api
      .put(`/v1/users/${admin.userId}/roles`)
      .set('authorization', bearer(admin.tokens.accessToken))
      .send({ roles: ['user'] })
      .expect(200);
    // The token still says users:read; the roles read now do not grant it.
    expect(claimsOf(admin.tokens.accessToken).permissions).toContain('users:read');
    await app.api.get('/v1/users').set('authorization', bearer(admin.tokens.accessToken)).expect(403);
  });

  it('reads a token issued before the claim existed as its roles granted', async () => {
    const admin = await anAdmin();
    const legacy = await tokenWith(admin, { roles: ['user', 'admin'] });
    expect(claimsOf(legacy)).not.toHaveProperty('permissions');
    await app.api.get('/v1/users').set('authorization', bearer(legacy)).expect(200);
    const user = await registerAndLogin(app);
    const legacyUser = await tokenWith(
      { userId: user.userId, sessionId: claimsOf(user.tokens.accessToken).sid as string },
      { roles: ['user', 'admin'] }, // claims admin, but the profile says user: refused
    );
    await app.api.get('/v1/users').set('authorization', bearer(legacyUser)).expect(403);
  });
});
