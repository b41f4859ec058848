import { randomUUID } from 'node:crypto';
import { IdentityModule } from '@latchkey/identity';
import {
  AccountDirectory,
  type AccountView,
  CreateProfile,
  GrantAdmin,
  ProfileAuditTrail,
  type ProfileEventType,
  UserProfileModule,
} from '@latchkey/user-profile';
import { AccessTokenAuthenticator, InvalidAccessToken, type Principal } from '@latchkey/shared-kernel';
import { permissionsOf } from '@latchkey/contracts';
import { hostedModules } from '../../apps/api/src/testing/hosted-modules';
import { MemoryProfileDirectory } from '@latchkey/identity/testing';
import { aUser, claimsOf, login, me, refresh, register } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Each business module boots with no other business module in its container, its ports bound to
 * fakes by the composition root: the proof that either can become a service of its own, with
 * remote adapters where the monolith binds the other module's. The routes it serves still answer
 * as docs/openapi.yaml says (the contract client checks every response).
 */
function businessModulesOf(app: TestApp): string[] {
  return hostedModules(app.latchkey.app).filter((name) => /Identity|UserProfile/.test(name));
}

class FakeAccounts extends AccountDirectory {
  readonly accounts = new Map<string, AccountView>();
  readonly erased: string[] = [];

  add(email: string): AccountView {
    const account = {
      id: randomUUID(),
      email,
      emailVerified: true,
      createdAt: new Date('2026-01-01T00:00:00Z'),
    };
    this.accounts.set(account.id, account);
    return account;
  }
  find(userId: string): Promise<AccountView | undefined> {
    return Promise.resolve(this.accounts.get(userId));
  }
  findMany(userIds: string[]): Promise<AccountView[]> {
    return Promise.resolve(userIds.flatMap((id) => this.accounts.get(id) ?? []));
  }
  findByEmail(email: string): Promise<AccountView | undefined> {
    return Promise.resolve([...this.accounts.values()].find((account) => account.email === email));
  }
  page(query: { afterId?: string; limit: number; email?: string }): Promise<AccountView[]> {
    const all = [...this.accounts.values()].sort((a, b) => a.id.localeCompare(b.id));
    return Promise.resolve(
      all
        .filter((account) => (query.afterId ? account.id > query.afterId : true))
        .filter((account) => (query.email ? account.email === query.email : true))
        .slice(0, query.limit),
    );
  }
  erase(userId: string): Promise<void> {
    this.erased.push(userId);
    this.accounts.delete(userId);
    return Promise.resolve();
  }
}

class RecordingAuditTrail extends ProfileAuditTrail {
  readonly events: { type: ProfileEventType; userId: string; actorId: string | null }[] = [];
  record(event: { type: ProfileEventType; userId: string; actorId: string | null }): Promise<void> {
    this.events.push({ type: event.type, userId: event.userId, actorId: event.actorId });
    return Promise.resolve();
  }
}

/** Bearer tokens are whatever the test hands out: `token-<userId>`, with the user's permissions. */
class FakeAuthenticator extends AccessTokenAuthenticator {
  readonly principals = new Map<string, Principal>();

  issue(userId: string, roles: string[]): string {
    const token = `token-${userId}`;
    this.principals.set(token, { userId, sessionId: randomUUID(), roles, permissions: permissionsOf(roles) });
    return token;
  }
  authenticate(token: string): Promise<Principal> {
    const principal = this.principals.get(token);
    return principal ? Promise.resolve(principal) : Promise.reject(new InvalidAccessToken());
  }
}

describe('user-profile booted alone', () => {
  const accounts = new FakeAccounts();
  const auditTrail = new RecordingAuditTrail();
  const authenticator = new FakeAuthenticator();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      modules: () => [
        UserProfileModule.forRoot({
          accounts: { useValue: accounts },
          auditTrail: { useValue: auditTrail },
          authenticator: { useValue: authenticator },
        }),
      ],
    });
  });
  afterAll(() => app.close());

  it('has no identity module in its container, and serves no identity route', async () => {
    expect(businessModulesOf(app)).toEqual(['UserProfileModule']);
    const refused = await app.api.post('/v1/auth/login').send(aUser()).expect(404);
    expect(refused.body).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('serves the users API over the accounts, audit trail and authenticator it was given', async () => {
    const admin = accounts.add('admin@example.com');
    const member = accounts.add('member@example.com');
    const createProfile = app.latchkey.app.get(CreateProfile);
    await createProfile.execute({ userId: admin.id, name: 'Ada', now: app.clock.now() });
    await createProfile.execute({ userId: member.id, name: 'Grace', now: app.clock.now() });
    await app.latchkey.app.get(GrantAdmin).execute(admin.email);
    const adminToken = authenticator.issue(admin.id, ['user', 'admin']);
    const memberToken = authenticator.issue(member.id, ['user']);

    await app.api.get(`/v1/users/${member.id}`).expect(401);
    const own = await app.api.get(`/v1/users/${member.id}`).auth(memberToken, { type: 'bearer' }).expect(200);
    expect(own.body).toMatchObject({
      id: member.id,
      email: 'member@example.com',
      name: 'Grace',
      roles: ['user'],
    });

    await app.api
      .patch(`/v1/users/${member.id}`)
      .auth(memberToken, { type: 'bearer' })
      .send({ name: 'Grace Hopper' })
      .expect(200);
    const listed = await app.api.get('/v1/users').auth(adminToken, { type: 'bearer' }).expect(200);
    expect((listed.body.items as { name: string }[]).map((user) => user.name).sort()).toEqual([
      'Ada',
      'Grace Hopper',
    ]);
    await app.api.get('/v1/users').auth(memberToken, { type: 'bearer' }).expect(403);

    await app.api.delete(`/v1/users/${member.id}`).auth(memberToken, { type: 'bearer' }).expect(204);
    expect(accounts.erased).toEqual([member.id]);
    // Self-service erasure records no separate actor, as in the monolith.
    expect(auditTrail.events).toEqual([
      { type: 'UserRoleChanged', userId: admin.id, actorId: null },
      { type: 'UserProfileUpdated', userId: member.id, actorId: member.id },
      { type: 'UserDeleted', userId: member.id, actorId: null },
    ]);
  });
});

describe('identity booted alone', () => {
  const profiles = new MemoryProfileDirectory();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      modules: (config) => [
        IdentityModule.forRoot({ config: config.identity, profiles: { useValue: profiles } }),
      ],
    });
  });
  afterAll(() => app.close());

  it('has no user-profile module in its container, and serves no users route', async () => {
    expect(businessModulesOf(app)).toEqual(['IdentityCoreModule', 'IdentityModule']);
    await app.api.get(`/v1/users/${randomUUID()}`).expect(404);
  });

  it('registers, logs in, refreshes and answers /me over the profile directory it was given', async () => {
    const user = aUser();
    const { id } = await register(app, user);
    expect(profiles.profiles.get(id)).toEqual({ name: user.name, roles: ['user'] });

    profiles.profiles.set(id, { name: 'Renamed elsewhere', roles: ['user', 'admin'] });
    const tokens = await login(app, user);
    expect(claimsOf(tokens.accessToken)).toMatchObject({ sub: id, roles: ['user', 'admin'] });
    expect((await me(app, tokens.accessToken).expect(200)).body).toMatchObject({
      id,
      name: 'Renamed elsewhere',
    });
    await refresh(app, tokens.refreshToken).expect(200);
  });
});
