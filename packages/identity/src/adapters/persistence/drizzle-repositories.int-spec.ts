import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { EmailAlreadyRegistered } from '../../domain/errors';
import { openTestDatabase, rows, type TestDatabase } from '@latchkey/platform/testing';
import { anAccount, aSession } from '../../testing/factories';
import { DrizzleAccountRepository } from './drizzle-account-repository';
import { DrizzleSessionRepository } from './drizzle-session-repository';
import { UuidV7Generator } from '../crypto/uuid-v7-generator';
import { SystemClock } from '@latchkey/shared-kernel';
import { type SessionAccess, SessionAccessCache } from './session-access-cache';
import { TtlUserViewCache } from './ttl-user-view-cache';
import { EventOutbox, platformMessagingMigrations } from '@latchkey/platform-messaging';
import { identityMigrations } from '../../migrations';

const token = (generation = 0) => ({
  id: randomUUID(),
  tokenHash: randomUUID(),
  generation,
  createdAt: new Date(),
});

describe('Drizzle identity repositories', () => {
  let test: TestDatabase;
  let accounts: DrizzleAccountRepository;
  let sessions: DrizzleSessionRepository;
  let cache: SessionAccessCache;
  let views: TtlUserViewCache;

  beforeAll(async () => {
    // The event outbox is platform-messaging's: the rotation writes its event there.
    test = await openTestDatabase({ streams: [platformMessagingMigrations, identityMigrations] });
    views = new TtlUserViewCache(test.database, new SystemClock());
    accounts = new DrizzleAccountRepository(test.database, views);
    cache = new SessionAccessCache(60_000);
    sessions = new DrizzleSessionRepository(
      test.database,
      cache,
      new UuidV7Generator(),
      new EventOutbox(test.database),
    );
  });
  afterAll(() => test.dispose());

  describe('accounts', () => {
    it('finds an account by email case-insensitively', async () => {
      const account = anAccount();
      await accounts.create(account);
      await expect(accounts.findByEmail(account.email.toUpperCase())).resolves.toMatchObject({
        id: account.id,
      });
    });

    it('refuses a second live account with the same address, whatever its case (unique index)', async () => {
      const account = anAccount();
      await accounts.create(account);
      await expect(accounts.create(anAccount({ email: account.email.toUpperCase() }))).rejects.toBeInstanceOf(
        EmailAlreadyRegistered,
      );
    });

    it('reads inside a transaction see its uncommitted writes (prepared reads run on the transaction)', async () => {
      const account = anAccount();
      const seenInside = await test.database.transaction(async () => {
        await accounts.create(account);
        return [await accounts.findById(account.id), await accounts.findByEmail(account.email)];
      });
      expect(seenInside).toEqual([
        expect.objectContaining({ id: account.id }),
        expect.objectContaining({ id: account.id }),
      ]);
    });

    it('prepared reads outside a transaction see only committed rows', async () => {
      const account = anAccount();
      await expect(
        test.database.transaction(async () => {
          await accounts.create(account);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await expect(accounts.findById(account.id)).resolves.toBeUndefined();
      await expect(accounts.findByEmail(account.email)).resolves.toBeUndefined();
    });

    it("forgets the user's cached view when a verification commits, not before and not on rollback", async () => {
      const account = anAccount({ emailVerifiedAt: null });
      await accounts.create(account);
      const view = { id: account.id, email: account.email, name: 'A', createdAt: '', emailVerified: false };
      const fresh = { ...view, emailVerified: true };
      // What the cache answers when a load would give `fresh`: `view` while it is remembered.
      const cached = () => views.through(account.id, async () => fresh);
      await views.through(account.id, async () => view);
      await expect(
        test.database.transaction(async () => {
          await accounts.markEmailVerified(account.id, account.email, new Date());
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await expect(cached()).resolves.toBe(view);

      let cachedInside: unknown;
      await test.database.transaction(async () => {
        await accounts.markEmailVerified(account.id, account.email, new Date());
        cachedInside = await cached();
      });
      expect(cachedInside).toBe(view);
      await expect(cached()).resolves.toBe(fresh);
    });

    it('does not remember a view loaded while a change committed: the load may have read the old row', async () => {
      const account = anAccount({ emailVerifiedAt: null });
      await accounts.create(account);
      const stale = { id: account.id, email: account.email, name: 'A', createdAt: '', emailVerified: false };
      const answer = await views.through(account.id, async () => {
        // The load has read the old row; the verification commits before it returns.
        await accounts.markEmailVerified(account.id, account.email, new Date());
        return stale;
      });
      expect(answer).toBe(stale); // this request overlapped the change and may answer either way
      const fresh = { ...stale, emailVerified: true };
      await expect(views.through(account.id, async () => fresh)).resolves.toBe(fresh);
    });

    it('frees the address of a deleted account', async () => {
      const account = anAccount({ deletedAt: new Date() });
      await accounts.create(account);
      await expect(accounts.create(anAccount({ email: account.email }))).resolves.toBeUndefined();
      await expect(accounts.findByEmail(account.email)).resolves.not.toMatchObject({ id: account.id });
    });
  });

  describe('sessions and refresh tokens', () => {
    async function aChain() {
      const account = anAccount();
      await accounts.create(account);
      const session = aSession(account.id);
      const first = token();
      await sessions.create(session, first);
      return { account, session, first };
    }

    const rotation = (session: { id: string }, presentedId: string, successor = token(1)) => {
      const now = new Date();
      return {
        sessionId: session.id,
        presentedId,
        successor,
        sealedSuccessor: 'sealed',
        now,
        idleExpiresAt: new Date(now.getTime() + 60_000),
        event: {
          type: 'RefreshTokenRotated' as const,
          userId: null,
          sessionId: session.id,
          meta: { ip: '192.0.2.1', userAgent: 'jest', requestId: 'req-1' },
          data: { generation: successor.generation },
        },
      };
    };
    // The live tokens of a session and its events of one type.
    const written = async (sessionId: string, type = 'RefreshTokenRotated') => ({
      liveTokens: await rows<{ id: string }>(
        test.database,
        sql`select id from refresh_tokens where session_id = ${sessionId} and rotated_at is null`,
      ),
      events: await rows<{ type: string; data: unknown }>(
        test.database,
        sql`select type, data from auth_events where session_id = ${sessionId} and type = ${type}`,
      ),
    });

    it('opens a session with its first token; in a write batch, both or neither', async () => {
      const { session, first } = await aChain();
      await expect(written(session.id)).resolves.toMatchObject({ liveTokens: [{ id: first.id }] });
      // The token collides with an existing one (unique hash): no session either.
      const account = anAccount();
      await accounts.create(account);
      const clash = aSession(account.id);
      await expect(
        test.database.writeBatch(() => sessions.create(clash, { ...token(), tokenHash: first.tokenHash })),
      ).rejects.toThrow();
      await expect(sessions.findById(clash.id)).resolves.toBeUndefined();
    });

    it('finds a chain by the presented token: its session, account state and live token', async () => {
      const { session, first } = await aChain();
      await expect(sessions.findChain(first.tokenHash)).resolves.toMatchObject({
        session: { id: session.id, revokedAt: null },
        presented: { id: first.id, rotatedAt: null },
        live: { id: first.id },
        accountActive: true,
      });
      await expect(sessions.findChain('no such hash')).resolves.toBeUndefined();
    });

    it('rotates: retires the presented token, inserts the one live successor, slides the session, records the event', async () => {
      const { session, first } = await aChain();
      const input = rotation(session, first.id);
      await expect(sessions.rotate(input)).resolves.toBe(true);

      const chain = await sessions.findChain(first.tokenHash);
      expect(chain?.presented).toMatchObject({
        id: first.id,
        successorId: input.successor.id,
        sealedSuccessor: 'sealed',
      });
      expect(chain?.presented.rotatedAt).toEqual(input.now);
      expect(chain?.live).toMatchObject({ id: input.successor.id, generation: 1 });
      expect(chain?.session).toMatchObject({ lastUsedAt: input.now, idleExpiresAt: input.idleExpiresAt });
      await expect(written(session.id)).resolves.toEqual({
        liveTokens: [{ id: input.successor.id }],
        events: [{ type: 'RefreshTokenRotated', data: { generation: 1 } }],
      });
    });

    it('writes nothing when the token is no longer live, and the database refuses a second live token', async () => {
      const { session, first } = await aChain();
      const winner = rotation(session, first.id);
      await sessions.rotate(winner);
      await expect(sessions.rotate(rotation(session, first.id))).resolves.toBe(false);
      await expect(written(session.id)).resolves.toMatchObject({
        liveTokens: [{ id: winner.successor.id }],
        events: [expect.anything()],
      });
      await expect(
        test.database.db.execute(
          sql`insert into refresh_tokens (id, session_id, token_hash, generation, created_at) values (${randomUUID()}, ${session.id}, ${randomUUID()}, 9, now())`,
        ),
      ).rejects.toThrow();
    });

    it('writes nothing on a revoked session', async () => {
      const { session, first } = await aChain();
      await sessions.revoke([session.id], 'logout', new Date());
      await expect(sessions.rotate(rotation(session, first.id))).resolves.toBe(false);
      await expect(written(session.id)).resolves.toEqual({ liveTokens: [{ id: first.id }], events: [] });
    });

    it('of concurrent rotations of one token, exactly one writes', async () => {
      const { session, first } = await aChain();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, n) => sessions.rotate(rotation(session, first.id, token(1 + n)))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const { liveTokens, events } = await written(session.id);
      expect(liveTokens).toHaveLength(1);
      expect(events).toHaveLength(1);
    });

    it('a rotation waits for a revocation holding the session lock, then writes nothing', async () => {
      const { session, first } = await aChain();
      let releaseRevocation!: () => void;
      const revocationHeld = new Promise<void>((resolve) => (releaseRevocation = resolve));
      let revoked!: () => void;
      const revokedInside = new Promise<void>((resolve) => (revoked = resolve));
      const revocation = test.database.transaction(async () => {
        await sessions.revoke([session.id], 'logout', new Date());
        revoked();
        await revocationHeld;
      });
      await revokedInside;
      // Started outside the transaction: on PostgreSQL it queues on the session's row lock, on
      // PGlite (one connection) behind the whole transaction.
      let settled = false;
      const rotating = sessions.rotate(rotation(session, first.id)).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled).toBe(false);
      releaseRevocation();
      await revocation;
      await expect(rotating).resolves.toBe(false);
      await expect(written(session.id)).resolves.toEqual({ liveTokens: [{ id: first.id }], events: [] });
    });

    it('revokes only live sessions, reports which, and evicts the access cache after commit', async () => {
      const { session } = await aChain();
      const now = new Date();
      await expect(sessions.accessStatus(session.id, session.userId, now)).resolves.toBe('active');

      let evictedInside = true;
      await test.database.transaction(async () => {
        await expect(sessions.revoke([session.id], 'logout', now)).resolves.toEqual([session.id]);
        evictedInside = cache.get(session.id, now.getTime()) === undefined;
      });
      expect(evictedInside).toBe(false); // still cached while uncommitted
      await expect(sessions.accessStatus(session.id, session.userId, now)).resolves.toBe('inactive');
      await expect(sessions.revoke([session.id], 'logout', now)).resolves.toEqual([]);
    });

    it("refuses a session named for another user, cached or not (a token's sid must be its sub's)", async () => {
      const { session } = await aChain();
      const now = new Date();
      const stranger = '00000000-0000-7000-8000-000000000001';
      await expect(sessions.accessStatus(session.id, stranger, now)).resolves.toBe('inactive');
      await expect(sessions.accessStatus(session.id, session.userId, now)).resolves.toBe('active');
      // Now cached as active for its owner, and still refused for anyone else.
      await expect(sessions.accessStatus(session.id, stranger, now)).resolves.toBe('inactive');
    });

    it('does not cache a status whose query raced a revocation: it may have read the row before it', async () => {
      const { session } = await aChain();
      // A revocation commits (and evicts) while the cache miss's query runs.
      const racing = new (class extends SessionAccessCache {
        override through(
          sessionId: string,
          nowMs: number,
          load: () => Promise<SessionAccess>,
        ): Promise<SessionAccess> {
          return super.through(sessionId, nowMs, async () => {
            const status = await load();
            this.evict(['a session revoked while the query runs']);
            return status;
          });
        }
      })(60_000);
      const repository = new DrizzleSessionRepository(
        test.database,
        racing,
        new UuidV7Generator(),
        new EventOutbox(test.database),
      );
      const now = new Date();
      await expect(repository.accessStatus(session.id, session.userId, now)).resolves.toBe('active');
      expect(racing.get(session.id, now.getTime())).toBeUndefined();
      // Without a race the answer is remembered.
      await expect(sessions.accessStatus(session.id, session.userId, now)).resolves.toBe('active');
      expect(cache.get(session.id, now.getTime())).toEqual({ status: 'active', userId: session.userId });
    });

    it('leaves the cache alone when the revoking transaction rolls back', async () => {
      const { session } = await aChain();
      const now = new Date();
      await sessions.accessStatus(session.id, session.userId, now);
      await expect(
        test.database.transaction(async () => {
          await sessions.revoke([session.id], 'logout', now);
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      await expect(sessions.findById(session.id)).resolves.toMatchObject({ revokedAt: null });
      await expect(sessions.accessStatus(session.id, session.userId, now)).resolves.toBe('active');
    });

    it('pages through every unrevoked session begun by a moment, in id order, each once', async () => {
      const bound = new Date();
      const { account } = await aChain();
      const older = aSession(account.id, { createdAt: new Date(bound.getTime() - 60_000) });
      await sessions.create(older, token());
      const revoked = aSession(account.id, { createdAt: new Date(bound.getTime() - 60_000) });
      await sessions.create(revoked, token());
      await sessions.revoke([revoked.id], 'logout', bound);
      const later = aSession(account.id, { createdAt: new Date(bound.getTime() + 60_000) });
      await sessions.create(later, token());

      const seen: { id: string; userId: string }[] = [];
      for (let afterId: string | undefined; ;) {
        const page = await sessions.listLive({ createdAtOrBefore: bound, afterId, limit: 2 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page);
        afterId = page[page.length - 1]!.id;
      }
      const ids = seen.map((s) => s.id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      expect(seen).toContainEqual({ id: older.id, userId: account.id });
      expect(ids).not.toContain(revoked.id);
      expect(ids).not.toContain(later.id);
    });

    it('lists only active sessions of the user', async () => {
      const { account, session } = await aChain();
      const expired = aSession(account.id, { idleExpiresAt: new Date(Date.now() - 1000) });
      await sessions.create(expired, token());
      const revoked = aSession(account.id);
      await sessions.create(revoked, token());
      await sessions.revoke([revoked.id], 'logout', new Date());
      const active = await sessions.listActiveForUser(account.id, new Date());
      expect(active.map((s) => s.id)).toEqual([session.id]);
    });
  });

  describe('audit trail', () => {
    it('is append-only: UPDATE and DELETE are refused by a trigger', async () => {
      const id = randomUUID();
      await test.database.db.execute(
        sql`insert into auth_events (id, type, occurred_at) values (${id}, 'UserLoggedIn', now())`,
      );
      await expect(
        test.database.db.execute(sql`update auth_events set type = 'Forged' where id = ${id}`),
      ).rejects.toThrow();
      await expect(test.database.db.execute(sql`delete from auth_events where id = ${id}`)).rejects.toThrow();
    });
  });
});
