import { randomUUID } from 'node:crypto';
import { Cleanup } from '@latchkey/platform';
import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer } from '@latchkey/platform-http';
import request from 'supertest';
import { rows, sql } from '@latchkey/platform/testing';
import { aUser, claimsOf, headerOf, login, me, refresh, register, registerAndLogin } from '../support/auth';
import { keys as keysCli } from '../support/cli';
import type { TestApp } from '../support/test-app';
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

  it('refuses at the edge a body over BODY_LIMIT, before it reaches a service', async () => {
    const response = await services.api
      .post('/auth/login')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(2_000_000) }))
      .expect(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
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
      const { randomBytes } = await import('node:crypto');
      const forger = new InternalTokenIssuer(
        'gateway',
        new Map([['user-service', [randomBytes(32)]]]),
        services.clock,
      );
      await request(services.urls['user-service'])
        .get('/users')
        .set(INTERNAL_TOKEN_HEADER, await forger.issue('user-service'))
        .expect(401);
    });

    it('ignores an identity a client sets in a header: only the vouched principal counts', async () => {
      const victim = await registerAndLogin(services);
      const { tokens } = await registerAndLogin(services);
      const gateway = services.issuerAs('gateway');
      // A valid internal token with no principal, and the victim's id in headers: no user.
      await request(services.urls['user-service'])
        .get(`/users/${victim.userId}`)
        .set(INTERNAL_TOKEN_HEADER, await gateway.issue('user-service'))
        .set('authorization', `Bearer ${tokens.accessToken}`)
        .set('x-user-id', victim.userId)
        .expect(401);
    });
  });

  it('shows a rename in GET /auth/me at once, as the monolith does', async () => {
    const { userId, tokens } = await registerAndLogin(services);
    const bearer = `Bearer ${tokens.accessToken}`;
    await services.api
      .patch(`/users/${userId}`)
      .set('authorization', bearer)
      .send({ name: 'Ada L.' })
      .expect(200);
    expect((await me(services, tokens.accessToken).expect(200)).body.name).toBe('Ada L.');
  });

  it('signs up with an organization: the user service holds it, the token carries it, a taken slug is 409', async () => {
    const slug = `acme-${Date.now().toString(36)}`;
    const signedUp = await services.api
      .post('/auth/signup')
      .send({ ...aUser(), organization: { name: 'Acme', slug } })
      .expect(201);
    const { organization, ...tokens } = signedUp.body as {
      organization: { id: string };
      accessToken: string;
    };
    expect(claimsOf(tokens.accessToken)).toMatchObject({
      org_id: organization.id,
      org_roles: ['ORGANIZATION_OWNER'],
    });
    await services.api
      .get(`/organizations/${organization.id}/members`)
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .expect(200);
    const taken = await services.api
      .post('/auth/signup')
      .send({ ...aUser(), organization: { name: 'Copy', slug } })
      .expect(409);
    expect(taken.body.code).toBe('CONFLICT');

    // Only a failed sign-up's organization may be discarded: this one's owner exists.
    const auth = services.issuerAs('auth-service');
    const { sub: ownerId } = claimsOf(tokens.accessToken) as { sub: string };
    const discard = await request(services.urls['user-service'])
      .delete(`/internal/organizations/${organization.id}?ownerId=${ownerId}`)
      .set(INTERNAL_TOKEN_HEADER, await auth.issue('user-service'))
      .expect(409);
    expect(discard.body.code).toBe('CONFLICT');
    await services.api
      .get(`/organizations/${organization.id}/members`)
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .expect(200);
  });

  it('puts a membership added in the user service into the member’s very next token, and takes a removal out', async () => {
    const slug = `team-${Date.now().toString(36)}`;
    const owner = await services.api
      .post('/auth/signup')
      .send({ ...aUser(), organization: { name: 'Team', slug } })
      .expect(201);
    const { organization, accessToken } = owner.body as { organization: { id: string }; accessToken: string };
    const member = aUser();
    const { id: memberId } = await register(services, member);
    await services.api
      .post(`/organizations/${organization.id}/members`)
      .set('authorization', `Bearer ${accessToken}`)
      .send({ email: member.email, role: 'ORGANIZATION_ADMIN' })
      .expect(201);
    const joined = await login(services, member);
    expect(claimsOf(joined.accessToken)).toMatchObject({
      org_id: organization.id,
      org_roles: ['ORGANIZATION_ADMIN'],
    });
    await services.api
      .delete(`/organizations/${organization.id}/members/${memberId}`)
      .set('authorization', `Bearer ${accessToken}`)
      .expect(204);
    const refreshed = (await refresh(services, joined.refreshToken).expect(200)).body as {
      accessToken: string;
    };
    expect(claimsOf(refreshed.accessToken).org_id).toBeUndefined();
  });

  it('builds the profile from UserRegistered too, with no read asking for it (RabbitMQ between the services)', async () => {
    const { id } = await register(services, aUser());
    const profileRow = () =>
      services.userDb.database.rows<{ user_id: string }>(
        sql`select user_id from profiles where user_id = ${id}`,
      );
    const deadline = Date.now() + 10_000;
    while ((await profileRow()).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await profileRow()).toHaveLength(1);
  });

  it('never brings a deleted user’s profile back: a UserRegistered that arrives after the deletion is applied as nothing', async () => {
    const REGISTERED = 'latchkey.identity.user.registered.v1';
    const { userId, tokens } = await registerAndLogin(services);
    const [registered] = await services.authDb.database.rows<{ envelope: Record<string, unknown> }>(
      sql`select envelope from event_outbox where subject = ${userId} and type = ${REGISTERED}`,
    );
    expect(registered).toBeDefined();
    await services.api
      .delete(`/users/${userId}`)
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .expect(204);

    // The same registration reaching the user service only now, as one held up behind a slow
    // consumer or replayed from a dead-letter queue would: a new delivery the inbox has not seen.
    const lateId = randomUUID();
    const now = services.clock.now().toISOString();
    await services.authDb.database.rows(sql`
      insert into event_outbox (id, type, subject, ordering_key, envelope, status, next_attempt_at, created_at)
      values (${lateId}, ${REGISTERED}, ${userId}, ${userId},
              ${JSON.stringify({ ...registered!.envelope, id: lateId })}::jsonb, 'pending', ${now}, ${now})`);
    const applied = () =>
      services.userDb.database.rows(sql`select event_id from event_inbox where event_id = ${lateId}`);
    const deadline = Date.now() + 10_000;
    while ((await applied()).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await applied()).toHaveLength(1);

    expect(
      await services.userDb.database.rows(sql`select user_id from profiles where user_id = ${userId}`),
    ).toEqual([]);
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

/**
 * The gateway checks bearer tokens for the user service's routes with what it holds of the auth
 * service's state: the key set (fresh for at most KEYS_REFRESH_SECONDS) and each session's answer
 * (remembered 5 s). Those are the bounds the monolith documents for an instance that missed a
 * notification (docs/security.md); the auth service's own routes refuse at once.
 */
describe('revocation at the gateway, within its documented bounds', () => {
  const SESSION_BOUND_SECONDS = 5;
  const KEYS_BOUND_SECONDS = 30; // KEYS_REFRESH_SECONDS' default
  let services: ServicesApp;
  beforeAll(async () => {
    services = await startServicesApp({ env: { KEYS_STORE: 'database' } });
  });
  afterAll(() => services.close());

  const profile = (userId: string, accessToken: string) =>
    services.api.get(`/users/${userId}`).set('authorization', `Bearer ${accessToken}`);

  /**
   * Within the bound the gateway may still pass the token on (the user service then answers it:
   * 200, or 404 for a user it no longer holds); just past it, never.
   */
  async function refusedWithin(seconds: number, userId: string, accessToken: string): Promise<void> {
    const withinBound = [200, 401, 404];
    expect(withinBound).toContain((await profile(userId, accessToken)).status);
    services.clock.advanceSeconds(seconds - 1);
    expect(withinBound).toContain((await profile(userId, accessToken)).status);
    services.clock.advanceSeconds(1.001);
    await profile(userId, accessToken).expect(401);
  }

  it('logout: refused by the auth service at once, at the gateway within 5 s', async () => {
    const { userId, tokens } = await registerAndLogin(services);
    await profile(userId, tokens.accessToken).expect(200); // the gateway now remembers the session
    await services.api
      .post('/auth/logout')
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .send({ refreshToken: tokens.refreshToken })
      .expect(204);
    await me(services, tokens.accessToken).expect(401);
    await refusedWithin(SESSION_BOUND_SECONDS, userId, tokens.accessToken);
  });

  it('reuse detection: the whole family refused by the auth service at once, at the gateway within 5 s', async () => {
    const { userId, tokens } = await registerAndLogin(services);
    const rotated = (await refresh(services, tokens.refreshToken).expect(200)).body as {
      accessToken: string;
    };
    await profile(userId, rotated.accessToken).expect(200);
    services.clock.advanceSeconds(11); // past REFRESH_REUSE_GRACE_SECONDS (10)
    await profile(userId, rotated.accessToken).expect(200); // remembered again, afresh
    await refresh(services, tokens.refreshToken).expect(401); // the spent token again: reuse
    await me(services, rotated.accessToken).expect(401);
    await refusedWithin(SESSION_BOUND_SECONDS, userId, rotated.accessToken);
  });

  it('user deletion: the account and its sessions gone, the token refused at the gateway within 5 s', async () => {
    const { userId, tokens } = await registerAndLogin(services);
    await profile(userId, tokens.accessToken).expect(200);
    await services.api
      .delete(`/users/${userId}`)
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .expect(204);
    await me(services, tokens.accessToken).expect(401);
    await refusedWithin(SESSION_BOUND_SECONDS, userId, tokens.accessToken);
  });

  it('an emergency key revoke (the runbook): the auth service refuses at once, the gateway within KEYS_REFRESH_SECONDS', async () => {
    const { userId, tokens } = await registerAndLogin(services);
    await profile(userId, tokens.accessToken).expect(200); // the gateway now holds the key set
    const operator = {
      env: services.authEnv,
      db: services.authDb,
      clock: services.clock,
    } as unknown as TestApp;
    const compromised = headerOf(tokens.accessToken).kid as string;
    expect((await keysCli(operator, 'revoke', compromised)).code).toBe(0);
    await untilRefused(() => me(services, tokens.accessToken));
    await refusedWithin(KEYS_BOUND_SECONDS, userId, tokens.accessToken);
    // The session lives on: a refresh signs with the replacement, which the gateway fetches.
    const refreshed = (await refresh(services, tokens.refreshToken).expect(200)).body as {
      accessToken: string;
    };
    expect(headerOf(refreshed.accessToken).kid).not.toBe(compromised);
    await profile(userId, refreshed.accessToken).expect(200);
  });
});

/** A key change made by the CLI reaches the auth service through NOTIFY: wait for it (5 s at most). */
async function untilRefused(call: () => request.Test): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await call()).status !== 401) {
    if (Date.now() > deadline) throw new Error('the auth service never refused the revoked key');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the services deployment when a service is down', () => {
  it('answers the ErrorResponse 503 for the missing service, and keeps serving the other', async () => {
    const services = await startServicesApp();
    try {
      const { userId, tokens } = await registerAndLogin(services);
      await services.users.close();
      const down = await services.api
        .get(`/users/${userId}`)
        .set('authorization', `Bearer ${tokens.accessToken}`)
        .expect(503);
      expect(down.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(JSON.stringify(down.body)).not.toContain('ECONNREFUSED');
      // Login and refresh are the auth service's alone.
      const { user } = await registerAndLogin(services);
      const again = await login(services, user);
      await refresh(services, again.refreshToken).expect(200);
      await services.api.get('/health/ready').expect(200);
    } finally {
      await services.close().catch(() => undefined);
    }
  });
});

describe('the services deployment while the user service is down', () => {
  it('keeps login and refresh working; registrations wait as events and become profiles, once each, when it is back', async () => {
    const services = await startServicesApp();
    try {
      const early = await registerAndLogin(services);
      await services.users.close();
      // The auth service alone: registration, login and refresh need nothing of the user service.
      const waiting = [aUser(), aUser(), aUser()];
      const ids: string[] = [];
      for (const user of waiting) ids.push((await register(services, user)).id);
      const tokens = await login(services, waiting[0]!);
      await refresh(services, tokens.refreshToken).expect(200);
      await refresh(services, early.tokens.refreshToken).expect(200);
      const profiles = () =>
        rows<{ user_id: string }>(
          services.userDb.database,
          sql`select user_id from profiles where user_id in (${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )})`,
        );
      expect(await profiles()).toHaveLength(0);

      await services.restartUsers();
      const deadline = Date.now() + 15_000;
      while ((await profiles()).length < ids.length && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await profiles()).map((row) => row.user_id).sort()).toEqual([...ids].sort());
      // Each registration's event was applied once: one inbox entry per event, no duplicates.
      const applied = await rows<{ event_id: string; times: number }>(
        services.userDb.database,
        sql`select event_id, count(*)::int as times from event_inbox where consumer like '%user-service.profiles' group by event_id`,
      );
      expect(applied.every((row) => row.times === 1)).toBe(true);
      expect(applied.length).toBeGreaterThanOrEqual(ids.length + 1);
    } finally {
      await services.close().catch(() => undefined);
    }
  });
});

describe("the services deployment's audit trail: the user service's changes in the auth service's auth_events", () => {
  it('records a change before its response, once; a trail that refuses it holds it back, then gets it', async () => {
    // A database each: the records cross over HTTP, as they do between hosts.
    const services = await startServicesApp();
    const trail = (userId: string) =>
      rows<{ id: string; ip: string | null; data: { name?: string } }>(
        services.authDb.database,
        sql`select id, ip, data from auth_events where user_id = ${userId} and type = 'UserProfileUpdated' order by occurred_at, id`,
      );
    const run = (statement: string) => services.authDb.database.db.execute(sql.raw(statement));
    try {
      const { userId, tokens } = await registerAndLogin(services);
      const rename = (name: string) =>
        services.api
          .patch(`/users/${userId}`)
          .set('authorization', `Bearer ${tokens.accessToken}`)
          .send({ name })
          .expect(200);
      await rename('Ada L.');
      expect(await trail(userId)).toEqual([
        expect.objectContaining({
          ip: expect.any(String),
          data: expect.objectContaining({ name: 'Ada L.' }),
        }),
      ]);

      await run(`create or replace function refuse_forwarded() returns trigger language plpgsql as $$
        begin raise exception 'trail unavailable'; end $$`);
      await run(`create trigger refuse_forwarded before insert on auth_events
        for each row when (new.type = 'UserProfileUpdated') execute function refuse_forwarded()`);
      try {
        // The client is answered: the record waits in the user service, not the request.
        await rename('Ada Lovelace');
        expect(await trail(userId)).toHaveLength(1);
        const [waiting] = await rows<{ status: string; attempts: number }>(
          services.userDb.database,
          sql`select status, attempts from audit_forward where user_id = ${userId} and status = 'pending'`,
        );
        expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
      } finally {
        await run('drop trigger if exists refuse_forwarded on auth_events');
      }
      // Past its backoff (EVENTS_RETRY_MAX at most), the next poll delivers it.
      services.clock.advanceSeconds(61);
      const deadline = Date.now() + 10_000;
      while ((await trail(userId)).length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const delivered = await trail(userId);
      expect(delivered.map((event) => event.data.name)).toEqual(['Ada L.', 'Ada Lovelace']);
      // The user service marks the record sent once the auth service's answer is back, a moment
      // after the auth service has committed it.
      const forwarded = () =>
        rows<{ status: string; record: unknown }>(
          services.userDb.database,
          sql`select status, record from audit_forward where user_id = ${userId}`,
        );
      while ((await forwarded()).some(({ status }) => status !== 'sent') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const settled = await forwarded();
      // Delivered, and what it said of the request dropped from the user service's table.
      expect(settled).toEqual([
        { status: 'sent', record: null },
        { status: 'sent', record: null },
      ]);

      // A second delivery (an answer lost on the way back) writes nothing more.
      const issuer = services.issuerAs('user-service');
      const deliver = async (event: Record<string, unknown>) =>
        request(services.urls['auth-service'])
          .post('/internal/audit-events')
          .set(INTERNAL_TOKEN_HEADER, await issuer.issue('auth-service'))
          .send({ events: [event] });
      const replayed = {
        id: delivered[0]!.id,
        type: 'UserProfileUpdated',
        userId,
        occurredAt: new Date().toISOString(),
        ip: null,
        userAgent: null,
        requestId: null,
        data: {},
      };
      expect((await deliver(replayed)).body).toEqual({ recorded: 1 });
      expect(await trail(userId)).toEqual(delivered);
      // Only user-profile's records: the user service cannot write identity's events.
      expect((await deliver({ ...replayed, type: 'UserLoggedIn' })).status).toBe(400);
    } finally {
      await services.close().catch(() => undefined);
    }
  });
});

describe("the services deployment's sign-up backstop", () => {
  it('discards in the scheduled clean-up an organization whose sign-up never committed, and nothing else', async () => {
    const services = await startServicesApp();
    const organization = (id: string) =>
      rows<{ id: string }>(services.userDb.database, sql`select id from organizations where id = ${id}`);
    try {
      const kept = await services.api
        .post('/auth/signup')
        .send({ ...aUser(), organization: { name: 'Kept', slug: `kept-${Date.now().toString(36)}` } })
        .expect(201);
      const keptId = (kept.body as { organization: { id: string } }).organization.id;
      // What an auth service that died mid sign-up leaves behind: the organization made by its
      // call, the owner's account never committed, and nobody left to ask for the discard.
      const auth = services.issuerAs('auth-service');
      const orphanId = randomUUID();
      await request(services.urls['user-service'])
        .post('/internal/organizations')
        .set(INTERNAL_TOKEN_HEADER, await auth.issue('user-service'))
        .send({
          id: orphanId,
          name: 'Orphan',
          slug: `orphan-${Date.now().toString(36)}`,
          ownerId: randomUUID(),
          now: services.clock.now().toISOString(),
        })
        .expect(201);
      const cleanup = services.users.app.get(Cleanup);

      // Sign-up may still be committing: a young organization is left alone.
      expect((await cleanup.run()).removed['organizations.abandoned']).toBe(0);
      expect(await organization(orphanId)).toHaveLength(1);

      services.clock.advanceSeconds(11 * 60);
      expect((await cleanup.run()).removed['organizations.abandoned']).toBe(1);
      expect(await organization(orphanId)).toEqual([]);
      expect(await organization(keptId)).toHaveLength(1);
      // Recorded in the trail, as the rollback's discard is.
      const deadline = Date.now() + 10_000;
      const recorded = () =>
        rows<{ reason: string }>(
          services.authDb.database,
          sql`select data->>'reason' as reason from auth_events where type = 'OrganizationDeleted' and data->>'organizationId' = ${orphanId}`,
        );
      while ((await recorded()).length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await recorded()).toEqual([{ reason: 'sign_up_abandoned' }]);
    } finally {
      await services.close().catch(() => undefined);
    }
  });
});
