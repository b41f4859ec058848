import { rows, sql } from '@latchkey/platform/testing';
import { aUser, claimsOf, login, me, PASSWORD, refresh, register, type Tokens } from '../support/auth';
import { users as usersCli } from '../support/cli';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

let counter = 0;
const aSlug = () => `acme-${process.pid}-${Date.now().toString(36)}-${counter++}`;

interface SignedUp {
  user: { id: string; email: string };
  organization: { id: string; slug: string };
  tokens: Tokens;
  password: string;
}

async function signUp(overrides: { slug?: string } = {}): Promise<SignedUp> {
  const user = aUser();
  const response = await app.api
    .post('/auth/signup')
    .send({ ...user, organization: { name: 'Acme', slug: overrides.slug ?? aSlug() } })
    .expect(201);
  const {
    user: created,
    organization,
    ...tokens
  } = response.body as SignedUp['user'] &
    Tokens & {
      user: SignedUp['user'];
      organization: SignedUp['organization'];
    };
  return { user: created, organization, tokens: tokens as Tokens, password: user.password };
}

const as = (tokens: Tokens) => ({
  get: (url: string) => app.api.get(url).set('authorization', `Bearer ${tokens.accessToken}`),
  post: (url: string) => app.api.post(url).set('authorization', `Bearer ${tokens.accessToken}`),
  patch: (url: string) => app.api.patch(url).set('authorization', `Bearer ${tokens.accessToken}`),
  delete: (url: string) => app.api.delete(url).set('authorization', `Bearer ${tokens.accessToken}`),
});

/** A registered, logged-in user added to `organization` with `role`. */
async function addMember(owner: SignedUp, role: string): Promise<{ id: string; tokens: Tokens }> {
  const user = aUser();
  const { id } = await register(app, user);
  await as(owner.tokens)
    .post(`/organizations/${owner.organization.id}/members`)
    .send({ email: user.email, role })
    .expect(201);
  return { id, tokens: await login(app, user) };
}

const ownersOf = async (organizationId: string) =>
  (
    await rows<{ user_id: string }>(
      app.db.database,
      sql`select user_id from organization_members where organization_id = ${organizationId} and role = 'ORGANIZATION_OWNER'`,
    )
  ).map((row) => row.user_id);

describe('sign-up', () => {
  it('creates the user, the organization and the owner membership, and logs in with org claims', async () => {
    const { user, organization, tokens } = await signUp();
    expect(claimsOf(tokens.accessToken)).toMatchObject({
      sub: user.id,
      org_id: organization.id,
      org_roles: ['ORGANIZATION_OWNER'],
    });
    expect(tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await me(app, tokens.accessToken).expect(200);
    const members = await as(tokens).get(`/organizations/${organization.id}/members`).expect(200);
    expect(members.body.items).toEqual([
      expect.objectContaining({ userId: user.id, role: 'ORGANIZATION_OWNER' }),
    ]);
    // A refresh keeps the organization.
    const refreshed = await refresh(app, tokens.refreshToken).expect(200);
    expect(claimsOf(refreshed.body.accessToken as string).org_id).toBe(organization.id);
  });

  it('works in cookie mode as login does', async () => {
    const response = await app.api
      .post('/auth/signup')
      .set('x-token-transport', 'cookie')
      .send({ ...aUser(), organization: { name: 'Web', slug: aSlug() } })
      .expect(201);
    expect(response.body.refreshToken).toBeUndefined();
    expect(String(response.headers['set-cookie'])).toMatch(/__Secure-lk_refresh=.*HttpOnly/);
  });

  it('refuses a taken slug or address with 409, and bad slugs with 400, leaving nothing behind', async () => {
    const first = await signUp();
    const user = aUser();
    const taken = await app.api
      .post('/auth/signup')
      .send({ ...user, organization: { name: 'Copy', slug: first.organization.slug } })
      .expect(409);
    expect(taken.body.code).toBe('CONFLICT');
    // The account of the failed sign-up was rolled back with the organization.
    await app.api.post('/auth/login').send({ email: user.email, password: user.password }).expect(401);
    await app.api
      .post('/auth/signup')
      .send({ ...aUser({ email: first.user.email }), organization: { name: 'X', slug: aSlug() } })
      .expect(409);
    for (const slug of ['ab', 'Acme', 'admin', '-acme']) {
      const bad = await app.api
        .post('/auth/signup')
        .send({ ...aUser(), organization: { name: 'X', slug } })
        .expect(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'organization.slug' })]);
    }
  });

  it('is one transaction: a failure on the last write leaves no row behind', async () => {
    // A fault injected in the database on the very last write of sign-up: the audit row of the
    // login that ends it, after the account, profile, organization, membership and session.
    const slug = `fault-${aSlug()}`;
    const run = (statement: string) => app.db.database.db.execute(sql.raw(statement));
    await run(`create or replace function inject_signup_fault() returns trigger language plpgsql as $$
      begin
        if new.type = 'UserLoggedIn' and new.data->>'via' = 'signup' then
          raise exception 'injected fault';
        end if;
        return new;
      end $$`);
    await run(`create trigger inject_signup_fault before insert on auth_events
      for each row execute function inject_signup_fault()`);
    try {
      const user = aUser();
      const response = await app.api
        .post('/auth/signup')
        .send({ ...user, organization: { name: 'F', slug } });
      expect(response.status).toBe(500);
      expect(response.body.code).toBe('INTERNAL');
      const [left] = await rows<Record<string, number>>(
        app.db.database,
        sql`select (select count(*) from accounts where email = ${user.email}) as accounts,
                   (select count(*) from profiles p
                     where not exists (select 1 from accounts a where a.id = p.user_id)) as orphan_profiles,
                   (select count(*) from organizations where slug = ${slug}) as organizations,
                   (select count(*) from organization_members m
                     where not exists (select 1 from accounts a where a.id = m.user_id)) as orphan_members,
                   (select count(*) from sessions s
                     where not exists (select 1 from accounts a where a.id = s.user_id)) as orphan_sessions,
                   (select count(*) from email_outbox where recipient = ${user.email}) as mail`,
      );
      expect(Object.fromEntries(Object.entries(left!).map(([k, v]) => [k, Number(v)]))).toEqual({
        accounts: 0,
        orphan_profiles: 0,
        organizations: 0,
        orphan_members: 0,
        orphan_sessions: 0,
        mail: 0,
      });
      await app.api.post('/auth/login').send({ email: user.email, password: user.password }).expect(401);
    } finally {
      await run('drop trigger if exists inject_signup_fault on auth_events');
    }
  });
});

describe('slug availability', () => {
  it('says why a slug cannot be used', async () => {
    const { organization } = await signUp();
    const check = async (slug: string) =>
      (await app.api.get(`/auth/organizations/slug-available/${slug}`).expect(200)).body;
    expect(await check(aSlug())).toMatchObject({ available: true });
    expect(await check(organization.slug)).toEqual({
      slug: organization.slug,
      available: false,
      reason: 'taken',
    });
    expect(await check('www')).toEqual({ slug: 'www', available: false, reason: 'reserved' });
    expect(await check('no_underscores')).toEqual({
      slug: 'no_underscores',
      available: false,
      reason: 'format',
    });
  });
});

describe('members and the 403/404 matrix', () => {
  it('lets members read, owners and admins manage, and tells outsiders nothing', async () => {
    const a = await signUp();
    const b = await signUp();
    const member = aUser();
    const { id: memberId } = await register(app, member);
    const memberTokens = await login(app, member);

    // An outsider (a member of B) asks for A: 404, like an organization that does not exist.
    const hidden = await as(b.tokens).get(`/organizations/${a.organization.id}`).expect(404);
    const missing = await as(b.tokens).get('/organizations/0190a5b2-0000-7000-8000-000000000000').expect(404);
    expect(hidden.body.message).toBe(missing.body.message);
    await as(b.tokens).get(`/organizations/${a.organization.id}/members`).expect(404);
    await as(b.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: member.email, role: 'ORGANIZATION_MEMBER' })
      .expect(404);
    await as(a.tokens).get('/organizations/not-a-uuid').expect(400);
    await app.api.get(`/organizations/${a.organization.id}`).expect(401);

    // The owner adds a member; the member reads but may not manage.
    const added = await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: member.email.toUpperCase(), role: 'ORGANIZATION_MEMBER' })
      .expect(201);
    expect(added.body).toMatchObject({ userId: memberId, role: 'ORGANIZATION_MEMBER' });
    await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: member.email, role: 'ORGANIZATION_MEMBER' })
      .expect(409);
    await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: aUser().email, role: 'ORGANIZATION_MEMBER' })
      .expect(404);
    await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: member.email, role: 'KING' })
      .expect(400);
    const read = await as(memberTokens).get(`/organizations/${a.organization.id}`).expect(200);
    expect(read.body).toMatchObject({ id: a.organization.id, slug: a.organization.slug });
    await as(memberTokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: b.user.email, role: 'ORGANIZATION_MEMBER' })
      .expect(403);
    await as(memberTokens).delete(`/organizations/${a.organization.id}/members/${a.user.id}`).expect(403);

    // The owner removes the member; the last owner cannot be removed.
    await as(a.tokens).delete(`/organizations/${a.organization.id}/members/${memberId}`).expect(204);
    await as(memberTokens).get(`/organizations/${a.organization.id}`).expect(404);
    const last = await as(a.tokens)
      .delete(`/organizations/${a.organization.id}/members/${a.user.id}`)
      .expect(409);
    expect(last.body.code).toBe('CONFLICT');
  });

  it('lets any member leave, owners too while another owner remains; the departure is recorded', async () => {
    const a = await signUp();
    const member = aUser();
    const { id: memberId } = await register(app, member);
    const memberTokens = await login(app, member);
    await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: member.email, role: 'ORGANIZATION_MEMBER' })
      .expect(201);

    // Added without being asked, the member leaves on their own.
    await as(memberTokens).delete(`/organizations/${a.organization.id}/members/${memberId}`).expect(204);
    await as(memberTokens).get(`/organizations/${a.organization.id}`).expect(404);
    await as(memberTokens).delete(`/organizations/${a.organization.id}/members/${memberId}`).expect(404);
    const [event] = await rows<{ data: Record<string, unknown> }>(
      app.latchkey.database,
      sql`select data from auth_events where type = 'MemberRemoved' and user_id = ${memberId}`,
    );
    expect(event!.data).toMatchObject({ organizationId: a.organization.id, left: true });

    // The only owner cannot leave; with a second owner, either may.
    const last = await as(a.tokens).delete(`/organizations/${a.organization.id}/members/${a.user.id}`);
    expect(last.status).toBe(409);
    const coOwner = aUser();
    const { id: coOwnerId } = await register(app, coOwner);
    await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: coOwner.email, role: 'ORGANIZATION_OWNER' })
      .expect(201);
    await as(await login(app, coOwner))
      .delete(`/organizations/${a.organization.id}/members/${coOwnerId}`)
      .expect(204);
  });

  it('lets an organization admin add members but not owners, and records the events', async () => {
    const a = await signUp();
    const admin = aUser();
    await register(app, admin);
    await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: admin.email, role: 'ORGANIZATION_ADMIN' })
      .expect(201);
    const adminTokens = await login(app, admin);
    const newcomer = aUser();
    await register(app, newcomer);
    await as(adminTokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: newcomer.email, role: 'ORGANIZATION_OWNER' })
      .expect(403);
    await as(adminTokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: newcomer.email, role: 'ORGANIZATION_MEMBER' })
      .expect(201);
    const events = await rows<{ type: string }>(
      app.db.database,
      sql`select type from auth_events where data->>'organizationId' = ${a.organization.id} order by occurred_at, id`,
    );
    expect(events.map((event) => event.type)).toEqual([
      'OrganizationCreated',
      'MemberAdded',
      'UserLoggedIn', // sign-up's session, which starts in the organization
      'MemberAdded',
      'MemberAdded',
    ]);
  });
});

describe('an organization never loses its last owner', () => {
  it('refuses to delete the only owner of an organization with other members, naming it, and changes nothing', async () => {
    const a = await signUp();
    const member = await addMember(a, 'ORGANIZATION_MEMBER');
    const refused = await as(a.tokens).delete(`/users/${a.user.id}`).expect(409);
    expect(refused.body).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('make another member an owner'),
      details: [{ field: 'organizations', message: `${a.organization.id} (${a.organization.slug})` }],
    });
    await me(app, a.tokens.accessToken).expect(200); // nothing was erased
    expect(await ownersOf(a.organization.id)).toEqual([a.user.id]);

    // An admin deleting that user meets the same rule.
    const admin = aUser();
    await register(app, admin);
    expect((await usersCli(app, 'grant-admin', admin.email)).code).toBe(0);
    await as(await login(app, admin))
      .delete(`/users/${a.user.id}`)
      .expect(409);

    // Hand-over: the owner makes the member an owner; then the deletion goes through.
    const promoted = await as(a.tokens)
      .patch(`/organizations/${a.organization.id}/members/${member.id}`)
      .send({ role: 'ORGANIZATION_OWNER' })
      .expect(200);
    expect(promoted.body).toMatchObject({ userId: member.id, role: 'ORGANIZATION_OWNER' });
    await as(a.tokens).delete(`/users/${a.user.id}`).expect(204);
    expect(await ownersOf(a.organization.id)).toEqual([member.id]);
  });

  it('deletes an organization whose only member is the deleted owner, and records it', async () => {
    const a = await signUp();
    const other = await signUp(); // an organization the user does not own stays
    await as(other.tokens)
      .post(`/organizations/${other.organization.id}/members`)
      .send({ email: a.user.email, role: 'ORGANIZATION_ADMIN' })
      .expect(201);
    await as(a.tokens).delete(`/users/${a.user.id}`).expect(204);
    expect(
      await rows(app.db.database, sql`select id from organizations where id = ${a.organization.id}`),
    ).toEqual([]);
    expect(
      await rows(app.db.database, sql`select id from organizations where id = ${other.organization.id}`),
    ).toHaveLength(1);
    const [event] = await rows<{ data: Record<string, unknown> }>(
      app.db.database,
      sql`select data from auth_events where type = 'OrganizationDeleted' and data->>'organizationId' = ${a.organization.id}`,
    );
    expect(event!.data).toMatchObject({ reason: 'last_member_deleted' });
  });

  it('keeps an organization with another owner when one owner is deleted', async () => {
    const a = await signUp();
    const coOwner = await addMember(a, 'ORGANIZATION_OWNER');
    await as(a.tokens).delete(`/users/${a.user.id}`).expect(204);
    expect(await ownersOf(a.organization.id)).toEqual([coOwner.id]);
  });

  it('changes roles: owners and admins manage members, only owners touch owners, the last owner stays', async () => {
    const a = await signUp();
    const admin = await addMember(a, 'ORGANIZATION_ADMIN');
    const member = await addMember(a, 'ORGANIZATION_MEMBER');
    const org = a.organization.id;

    await as(admin.tokens)
      .patch(`/organizations/${org}/members/${member.id}`)
      .send({ role: 'ORGANIZATION_ADMIN' })
      .expect(200);
    await as(admin.tokens)
      .patch(`/organizations/${org}/members/${member.id}`)
      .send({ role: 'ORGANIZATION_OWNER' })
      .expect(403);
    await as(admin.tokens)
      .patch(`/organizations/${org}/members/${a.user.id}`)
      .send({ role: 'ORGANIZATION_MEMBER' })
      .expect(403);
    await as(member.tokens)
      .patch(`/organizations/${org}/members/${admin.id}`)
      .send({ role: 'ORGANIZATION_MEMBER' })
      .expect(200);
    await as(admin.tokens)
      .patch(`/organizations/${org}/members/${admin.id}`)
      .send({ role: 'ORGANIZATION_MEMBER' })
      .expect(403);
    expect(await ownersOf(org)).toEqual([a.user.id]);

    // The last owner cannot demote themselves…
    const last = await as(a.tokens)
      .patch(`/organizations/${org}/members/${a.user.id}`)
      .send({ role: 'ORGANIZATION_ADMIN' })
      .expect(409);
    expect(last.body.code).toBe('CONFLICT');
    // …but can once another owner exists.
    await as(a.tokens)
      .patch(`/organizations/${org}/members/${admin.id}`)
      .send({ role: 'ORGANIZATION_OWNER' })
      .expect(200);
    await as(a.tokens)
      .patch(`/organizations/${org}/members/${admin.id}`)
      .send({ role: 'ORGANIZATION_OWNER' })
      .expect(200); // no change
    await as(a.tokens)
      .patch(`/organizations/${org}/members/${a.user.id}`)
      .send({ role: 'ORGANIZATION_MEMBER' })
      .expect(200);
    expect(await ownersOf(org)).toEqual([admin.id]);

    await as(admin.tokens)
      .patch(`/organizations/${org}/members/${member.id}`)
      .send({ role: 'KING' })
      .expect(400);
    await as(admin.tokens)
      .patch(`/organizations/${org}/members/${aUser().email}`)
      .send({ role: 'ORGANIZATION_MEMBER' })
      .expect(400);
    const events = await rows<{ data: Record<string, unknown> }>(
      app.db.database,
      sql`select data from auth_events where type = 'MemberRoleChanged' and data->>'organizationId' = ${org} order by occurred_at, id`,
    );
    expect(events.map(({ data }) => [data.from, data.to])).toEqual([
      ['ORGANIZATION_MEMBER', 'ORGANIZATION_ADMIN'],
      ['ORGANIZATION_ADMIN', 'ORGANIZATION_MEMBER'],
      ['ORGANIZATION_MEMBER', 'ORGANIZATION_OWNER'],
      ['ORGANIZATION_OWNER', 'ORGANIZATION_MEMBER'],
    ]);
  });

  // Two requests at once need two connections: PGlite has one.
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'leaves one owner when two co-owners delete their accounts, or demote each other, at once',
    async () => {
      for (let round = 0; round < 3; round++) {
        const a = await signUp();
        const coOwner = await addMember(a, 'ORGANIZATION_OWNER');
        await addMember(a, 'ORGANIZATION_MEMBER');
        const deleted = await Promise.all([
          as(a.tokens).delete(`/users/${a.user.id}`),
          as(coOwner.tokens).delete(`/users/${coOwner.id}`),
        ]);
        expect(deleted.map((response) => response.status).sort()).toEqual([204, 409]);
        expect(await ownersOf(a.organization.id)).toHaveLength(1);

        const b = await signUp();
        const other = await addMember(b, 'ORGANIZATION_OWNER');
        const demoted = await Promise.all([
          as(b.tokens)
            .patch(`/organizations/${b.organization.id}/members/${other.id}`)
            .send({ role: 'ORGANIZATION_MEMBER' }),
          as(other.tokens)
            .patch(`/organizations/${b.organization.id}/members/${b.user.id}`)
            .send({ role: 'ORGANIZATION_MEMBER' }),
        ]);
        // The second, under the lock, is no longer an owner: it may not touch one.
        expect(demoted.map((response) => response.status).sort()).toEqual([200, 403]);
        expect(await ownersOf(b.organization.id)).toHaveLength(1);
      }
    },
  );
});

describe("a user's own organizations", () => {
  it('lists every organization the caller belongs to, with the role, oldest membership first, and nobody else’s', async () => {
    const a = await signUp();
    const b = await signUp();
    const user = aUser();
    const { id: userId } = await register(app, user);
    const tokens = await login(app, user);
    await as(tokens).get('/organizations').expect(200, { items: [] });

    await as(a.tokens)
      .post(`/organizations/${a.organization.id}/members`)
      .send({ email: user.email, role: 'ORGANIZATION_MEMBER' })
      .expect(201);
    app.clock.advanceSeconds(1);
    await as(b.tokens)
      .post(`/organizations/${b.organization.id}/members`)
      .send({ email: user.email, role: 'ORGANIZATION_ADMIN' })
      .expect(201);

    const mine = await as(tokens).get('/organizations').expect(200);
    expect(mine.body.items).toEqual([
      expect.objectContaining({
        id: a.organization.id,
        slug: a.organization.slug,
        role: 'ORGANIZATION_MEMBER',
      }),
      expect.objectContaining({
        id: b.organization.id,
        slug: b.organization.slug,
        role: 'ORGANIZATION_ADMIN',
      }),
    ]);
    // The owner of A sees A only, as its owner.
    const owners = await as(a.tokens).get('/organizations').expect(200);
    expect(owners.body.items).toEqual([
      expect.objectContaining({ id: a.organization.id, role: 'ORGANIZATION_OWNER' }),
    ]);

    // Leaving takes it off the list.
    await as(tokens).delete(`/organizations/${a.organization.id}/members/${userId}`).expect(204);
    expect(
      (await as(tokens).get('/organizations').expect(200)).body.items.map((o: { id: string }) => o.id),
    ).toEqual([b.organization.id]);
    await app.api.get('/organizations').expect(401);
  });
});

describe('switching organizations', () => {
  it('re-issues the access token for another membership in the same session', async () => {
    const a = await signUp();
    const b = await signUp();
    await as(b.tokens)
      .post(`/organizations/${b.organization.id}/members`)
      .send({ email: a.user.email, role: 'ORGANIZATION_MEMBER' })
      .expect(201);

    const switched = await as(a.tokens)
      .post('/auth/switch-organization')
      .send({ organizationId: b.organization.id })
      .expect(200);
    const claims = claimsOf(switched.body.accessToken as string);
    expect(claims).toMatchObject({ org_id: b.organization.id, org_roles: ['ORGANIZATION_MEMBER'] });
    expect(claims.sid).toBe(claimsOf(a.tokens.accessToken).sid);
    // The chain is the same, and keeps the new organization across a refresh.
    const refreshed = await refresh(app, a.tokens.refreshToken).expect(200);
    expect(claimsOf(refreshed.body.accessToken as string).org_id).toBe(b.organization.id);

    const outsider = await signUp();
    await as(a.tokens)
      .post('/auth/switch-organization')
      .send({ organizationId: outsider.organization.id })
      .expect(404);
    await as(a.tokens).post('/auth/switch-organization').send({ organizationId: 'nope' }).expect(400);
  });

  it('gives no org claims to a user without an organization', async () => {
    const user = aUser({ password: PASSWORD });
    await register(app, user);
    const claims = claimsOf((await login(app, user)).accessToken);
    expect(claims.org_id).toBeUndefined();
  });
});
