import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { EmailAlreadyRegistered } from '../../domain/errors';
import { openTestDatabase, type TestDatabase } from '../../../../testing/test-database';
import { anAccount, aSession } from '../../../../testing/factories';
import { DrizzleAccountRepository } from './drizzle-account-repository';
import { DrizzleSessionRepository } from './drizzle-session-repository';
import { SessionAccessCache } from './session-access-cache';

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

  beforeAll(async () => {
    test = await openTestDatabase();
    accounts = new DrizzleAccountRepository(test.database);
    cache = new SessionAccessCache(60_000);
    sessions = new DrizzleSessionRepository(test.database, cache);
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

    it('locks a chain and reads the presented and the live token under the lock', async () => {
      const { session, first } = await aChain();
      const chain = await test.database.transaction(() => sessions.lockChain(session.id, first.tokenHash));
      expect(chain).toMatchObject({
        session: { id: session.id },
        presented: { id: first.id },
        live: { id: first.id },
        accountActive: true,
      });
    });

    it('rotates: the presented token is retired and its successor becomes the only live token', async () => {
      const { session, first } = await aChain();
      const successor = token(1);
      const now = new Date();
      await test.database.transaction(() =>
        sessions.rotate({
          sessionId: session.id,
          presentedId: first.id,
          successor,
          sealedSuccessor: 'sealed',
          now,
          idleExpiresAt: now,
        }),
      );
      const chain = await test.database.transaction(() => sessions.lockChain(session.id, first.tokenHash));
      expect(chain?.presented).toMatchObject({
        id: first.id,
        successorId: successor.id,
        sealedSuccessor: 'sealed',
      });
      expect(chain?.presented.rotatedAt).toBeInstanceOf(Date);
      expect(chain?.live).toMatchObject({ id: successor.id, generation: 1 });
    });

    it('refuses to rotate a token twice, and the database refuses a second live token per session', async () => {
      const { session, first } = await aChain();
      const now = new Date();
      const rotate = () =>
        test.database.transaction(() =>
          sessions.rotate({
            sessionId: session.id,
            presentedId: first.id,
            successor: token(1),
            sealedSuccessor: 's',
            now,
            idleExpiresAt: now,
          }),
        );
      await rotate();
      await expect(rotate()).rejects.toThrow(/rotated outside the session lock/);
      await expect(
        test.database.db.execute(
          sql`insert into refresh_tokens (id, session_id, token_hash, generation, created_at) values (${randomUUID()}, ${session.id}, ${randomUUID()}, 9, now())`,
        ),
      ).rejects.toThrow();
    });

    it('revokes only live sessions, reports which, and evicts the access cache after commit', async () => {
      const { session } = await aChain();
      const now = new Date();
      await expect(sessions.accessStatus(session.id, now)).resolves.toBe('active');

      let evictedInside = true;
      await test.database.transaction(async () => {
        await expect(sessions.revoke([session.id], 'logout', now)).resolves.toEqual([session.id]);
        evictedInside = cache.get(session.id, now.getTime()) === undefined;
      });
      expect(evictedInside).toBe(false); // still cached while uncommitted
      await expect(sessions.accessStatus(session.id, now)).resolves.toBe('inactive');
      await expect(sessions.revoke([session.id], 'logout', now)).resolves.toEqual([]);
    });

    it('leaves the cache alone when the revoking transaction rolls back', async () => {
      const { session } = await aChain();
      const now = new Date();
      await sessions.accessStatus(session.id, now);
      await expect(
        test.database.transaction(async () => {
          await sessions.revoke([session.id], 'logout', now);
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      await expect(sessions.findById(session.id)).resolves.toMatchObject({ revokedAt: null });
      await expect(sessions.accessStatus(session.id, now)).resolves.toBe('active');
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
