import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openTestDatabase, rows, type TestDatabase } from '@latchkey/platform/testing';
import type { Profile } from '../../domain/profile';
import { userProfileMigrations } from '../../migrations';
import { DrizzleProfileRepository } from './drizzle-profile-repository';

const profileOf = (userId: string): Profile => {
  const now = new Date();
  return { userId, name: 'Ada', roles: ['user'], createdAt: now, updatedAt: now };
};

/**
 * A deleted user's profile is never made again: in the services deployment identity's
 * `UserRegistered` can reach the user service after the user was deleted (a consumer behind, a
 * replayed event), and a read's backfill can race the deletion too.
 */
describe('DrizzleProfileRepository: profiles made once, and never again after a deletion', () => {
  let test: TestDatabase;
  let profiles: DrizzleProfileRepository;
  beforeAll(async () => {
    test = await openTestDatabase({ streams: [userProfileMigrations] });
    profiles = new DrizzleProfileRepository(test.database);
  });
  afterAll(() => test.dispose());

  const stored = (userId: string) =>
    rows<{ user_id: string }>(test.database, sql`select user_id from profiles where user_id = ${userId}`);

  it('creates a profile once; a second createIfAbsent keeps the first', async () => {
    const userId = randomUUID();
    expect(await profiles.createIfAbsent(profileOf(userId))).toBe(true);
    expect(await profiles.createIfAbsent({ ...profileOf(userId), name: 'Other' })).toBe(false);
    expect((await profiles.findByUserId(userId))?.name).toBe('Ada');
  });

  it('refuses to make a profile again for a deleted user, and keeps only the id', async () => {
    const userId = randomUUID();
    await profiles.createIfAbsent(profileOf(userId));
    await test.database.transaction(() => profiles.delete(userId));

    expect(await profiles.createIfAbsent(profileOf(userId))).toBe(false);
    expect(await stored(userId)).toEqual([]);
    expect(await profiles.findByUserId(userId)).toBeUndefined();
    const tombstones = await rows<Record<string, unknown>>(
      test.database,
      sql`select * from deleted_users where user_id = ${userId}`,
    );
    expect(tombstones).toHaveLength(1);
    expect(Object.keys(tombstones[0]!).sort()).toEqual(['deleted_at', 'user_id']);
  });

  it('refuses it too when the creation waited on the deletion in flight (the row locked, then gone)', async () => {
    const userId = randomUUID();
    await profiles.createIfAbsent(profileOf(userId));
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    let deleted!: () => void;
    const hasDeleted = new Promise<void>((resolve) => (deleted = resolve));
    const deletion = test.database.transaction(async () => {
      await profiles.delete(userId);
      deleted();
      await committing;
    });
    await hasDeleted;
    // On PostgreSQL the insert meets the deleted row's lock and waits for the deletion's commit;
    // an insert that checked the tombstone in its own statement would then go ahead. (PGlite has
    // one connection: the creation simply runs after the deletion.)
    const creation = profiles.createIfAbsent(profileOf(userId));
    await new Promise((resolve) => setTimeout(resolve, 200));
    commit();
    await deletion;

    expect(await creation).toBe(false);
    expect(await stored(userId)).toEqual([]);
  });
});
