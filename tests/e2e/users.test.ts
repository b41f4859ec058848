import { rows, sql } from '@latchkey/platform/testing';
import {
  aUser,
  claimsOf,
  login,
  me,
  refresh,
  register,
  registerAndLogin,
  type Tokens,
} from '../support/auth';
import { users as usersCli } from '../support/cli';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const as = (tokens: Tokens) => ({
  get: (url: string) => app.api.get(url).set('authorization', `Bearer ${tokens.accessToken}`),
  patch: (url: string) => app.api.patch(url).set('authorization', `Bearer ${tokens.accessToken}`),
  put: (url: string) => app.api.put(url).set('authorization', `Bearer ${tokens.accessToken}`),
  delete: (url: string) => app.api.delete(url).set('authorization', `Bearer ${tokens.accessToken}`),
});

/** A registered user made admin by the operator command, as the README says. */
async function anAdmin(): Promise<{ userId: string; tokens: Tokens; email: string }> {
  const { user, userId } = await registerAndLogin(app);
  const granted = await usersCli(app, 'grant-admin', user.email);
  expect(granted.code).toBe(0);
  return { userId, tokens: await login(app, user), email: user.email };
}

describe('first admin', () => {
  it('is made by the operator command, never over HTTP, and is audited', async () => {
    const { user, userId, tokens } = await registerAndLogin(app);
    await as(tokens).get('/users').expect(403);
    await as(tokens)
      .put(`/users/${userId}/roles`)
      .send({ roles: ['user', 'admin'] })
      .expect(403);

    const result = await usersCli(app, 'grant-admin', user.email);
    expect(result).toMatchObject({ code: 0, out: `${user.email} (${userId}) is an admin` });
    // A grant takes effect with the next access token (a refresh, at most its 15 minutes): the
    // permissions a token carries are its grant. A revocation takes effect at once (below).
    await as(tokens).get('/users').expect(403);
    const refreshed = (await refresh(app, tokens.refreshToken).expect(200)).body as Tokens;
    expect(claimsOf(refreshed.accessToken).permissions).toContain('users:read');
    await as(refreshed).get('/users').expect(200);

    const [event] = await rows<{ data: { from: string[]; to: string[] } }>(
      app.db.database,
      sql`select data from auth_events where user_id = ${userId} and type = 'UserRoleChanged'`,
    );
    expect(event!.data).toMatchObject({ from: ['user'], to: ['user', 'admin'] });
    expect((await usersCli(app, 'grant-admin', 'nobody@example.com')).code).toBe(1);
  });
});

describe('the 403/404 matrix', () => {
  it('lets a user read and rename themselves, and see nobody else', async () => {
    const self = await registerAndLogin(app);
    const other = await registerAndLogin(app);

    const mine = await as(self.tokens).get(`/users/${self.userId}`).expect(200);
    expect(mine.body).toMatchObject({ id: self.userId, email: self.user.email, roles: ['user'] });
    // Read once before the rename: /auth/me caches the view, and the rename must drop it.
    expect((await me(app, self.tokens.accessToken).expect(200)).body.name).toBe(mine.body.name);
    const renamed = await as(self.tokens)
      .patch(`/users/${self.userId}`)
      .send({ name: '  Ada L.  ' })
      .expect(200);
    expect(renamed.body.name).toBe('Ada L.');
    expect((await me(app, self.tokens.accessToken).expect(200)).body.name).toBe('Ada L.');

    // Another user's id answers exactly like an id that does not exist.
    const hidden = await as(self.tokens).get(`/users/${other.userId}`).expect(404);
    const missing = await as(self.tokens).get('/users/0190a5b2-0000-7000-8000-000000000000').expect(404);
    expect(hidden.body.message).toBe(missing.body.message);
    await as(self.tokens).patch(`/users/${other.userId}`).send({ name: 'x' }).expect(404);
    await as(self.tokens).delete(`/users/${other.userId}`).expect(404);
    await as(self.tokens)
      .put(`/users/${other.userId}/roles`)
      .send({ roles: ['user'] })
      .expect(403);
    await as(self.tokens).get('/users').expect(403);
    await as(self.tokens).get('/users/not-a-uuid').expect(400);
    await app.api.get(`/users/${self.userId}`).expect(401);
  });

  it('refuses fields that may not change through PATCH', async () => {
    const self = await registerAndLogin(app);
    for (const body of [
      { email: 'new@example.com' },
      { roles: ['admin'] },
      { id: self.userId },
      { name: 'ok', roles: ['admin'] },
    ]) {
      const response = await as(self.tokens).patch(`/users/${self.userId}`).send(body).expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await as(self.tokens).get(`/users/${self.userId}`).expect(200)).body.roles).toEqual(['user']);
  });

  it('lets an admin read, rename and re-role anyone', async () => {
    const admin = await anAdmin();
    const other = await registerAndLogin(app);
    await as(admin.tokens).get(`/users/${other.userId}`).expect(200);
    await as(admin.tokens).patch(`/users/${other.userId}`).send({ name: 'Renamed' }).expect(200);
    const promoted = await as(admin.tokens)
      .put(`/users/${other.userId}/roles`)
      .send({ roles: ['admin'] })
      .expect(200);
    expect(promoted.body.roles).toEqual(['user', 'admin']);
    await as(admin.tokens)
      .put(`/users/${other.userId}/roles`)
      .send({ roles: ['owner'] })
      .expect(400);
  });

  it('refuses a demoted admin at once, whatever their token says', async () => {
    const first = await anAdmin();
    const second = await anAdmin();
    await as(first.tokens)
      .put(`/users/${second.userId}/roles`)
      .send({ roles: ['user'] })
      .expect(200);
    const refused = await as(second.tokens).get('/users').expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');
  });
});

describe('listing users', () => {
  it('pages by cursor in creation order, and filters by email', async () => {
    const admin = await anAdmin();
    for (let i = 0; i < 3; i++) await register(app, aUser());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await as(admin.tokens)
        .get(`/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.items as { id: string }[]).map((user) => user.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(admin.userId);

    const byEmail = await as(admin.tokens).get(`/users?email=${admin.email.toUpperCase()}`).expect(200);
    expect(byEmail.body).toEqual({
      items: [expect.objectContaining({ id: admin.userId })],
      nextCursor: null,
    });
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=nope', 'email=nope'])
      await as(admin.tokens).get(`/users?${query}`).expect(400);
  });
});

describe('deleting a user', () => {
  it('ends every session, erases the account, keeps the audit trail anonymous, frees the email', async () => {
    const { user, userId, tokens } = await registerAndLogin(app);
    const phone = await login(app, user);
    await as(tokens).delete(`/users/${userId}`).expect(204);

    await app.api.post('/auth/login').send({ email: user.email, password: user.password }).expect(401);
    await refresh(app, phone.refreshToken).expect(401);
    await me(app, phone.accessToken).expect(401);
    await me(app, tokens.accessToken).expect(401);

    const trail = await rows<{ type: string; ip: string | null; user_agent: string | null; data: object }>(
      app.db.database,
      sql`select type, ip, user_agent, data from auth_events where user_id = ${userId} order by occurred_at, id`,
    );
    expect(trail.map((event) => event.type)).toContain('UserDeleted');
    expect(trail.every((event) => event.ip === null && event.user_agent === null)).toBe(true);
    expect(trail.every((event) => Object.keys(event.data).length === 0)).toBe(true);
    const leftovers = await rows<{ n: number }>(
      app.db.database,
      sql`select (select count(*) from accounts where id = ${userId})
           + (select count(*) from profiles where user_id = ${userId})
           + (select count(*) from sessions where user_id = ${userId})
           + (select count(*) from email_outbox where recipient = ${user.email}) as n`,
    );
    expect(Number(leftovers[0]!.n)).toBe(0);

    const again = await register(app, user);
    expect(again.id).not.toBe(userId);
    await login(app, user);
  });

  it('lets an admin delete others, but never the last admin', async () => {
    const admin = await anAdmin();
    const other = await registerAndLogin(app);
    await as(admin.tokens).delete(`/users/${other.userId}`).expect(204);
    await as(admin.tokens).get(`/users/${other.userId}`).expect(404);

    // Demote every other admin, so this one is the last.
    const admins = await rows<{ user_id: string }>(
      app.db.database,
      sql`select user_id from profiles where 'admin' = any(roles)`,
    );
    for (const { user_id: id } of admins)
      if (id !== admin.userId)
        await as(admin.tokens)
          .put(`/users/${id}/roles`)
          .send({ roles: ['user'] })
          .expect(200);
    const lastDelete = await as(admin.tokens).delete(`/users/${admin.userId}`).expect(409);
    expect(lastDelete.body.code).toBe('CONFLICT');
    await as(admin.tokens)
      .put(`/users/${admin.userId}/roles`)
      .send({ roles: ['user'] })
      .expect(409);
  });
});

describe('the last two admins demoting each other at once', () => {
  let fresh: TestApp;
  beforeAll(async () => {
    fresh = await startTestApp();
  });
  afterAll(() => fresh.close());

  it('leaves one admin: the database lock serialises the two changes', async () => {
    const admins = [];
    for (let i = 0; i < 2; i++) {
      const { user, userId } = await registerAndLogin(fresh);
      expect((await usersCli(fresh, 'grant-admin', user.email)).code).toBe(0);
      admins.push({ userId, tokens: await login(fresh, user) });
    }
    const [a, b] = admins as [(typeof admins)[0], (typeof admins)[0]];
    const demote = (actor: typeof a, target: typeof a) =>
      fresh.api
        .put(`/users/${target.userId}/roles`)
        .set('authorization', `Bearer ${actor.tokens.accessToken}`)
        .send({ roles: ['user'] });
    const statuses = (await Promise.all([demote(a, b), demote(b, a)])).map((r) => r.status).sort();
    // Either one demotion wins and the other finds it would remove the last admin (409), or the
    // first demoted admin is no longer allowed to act at all (403).
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const left = await rows<{ n: number }>(
      fresh.db.database,
      sql`select count(*) as n from profiles where 'admin' = any(roles)`,
    );
    expect(Number(left[0]!.n)).toBe(1);
  });
});
