import { Injectable } from '@nestjs/common';
import { eq, inArray, sql } from 'drizzle-orm';
import { Database, type PreparedRead, type PreparedWrite, rowOf } from '@latchkey/platform';
import { type AccessClaims, ProfileRepository } from '../../application/ports';
import type { GlobalRole, Profile } from '../../domain/profile';
import { deletedUsers, profiles } from './schema';

const toProfile = (row: typeof profiles.$inferSelect): Profile => ({
  ...row,
  roles: row.roles as GlobalRole[],
});

const PROFILE_ROW = {
  userId: true,
  name: true,
  roles: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Record<keyof Profile, true>;

@Injectable()
export class DrizzleProfileRepository extends ProfileRepository {
  // Read for every access token minted and every GET /auth/me: built once (Database.preparedRead).
  private readonly byUserId: PreparedRead<(typeof profiles.$inferSelect)[]>;
  // Every access token minted (login, refresh): roles and memberships in one round trip.
  private readonly claimsOf: PreparedRead<{ roles: string[]; memberships: AccessClaims['memberships'] }[]>;
  // Registration: in its one statement (UnitOfWork.runWrites), built once per shape.
  private readonly insert: PreparedWrite<Profile>;

  constructor(private readonly database: Database) {
    super();
    this.insert = database.preparedWrite('profile_insert', (db, value) =>
      db.insert(profiles).values(rowOf(PROFILE_ROW, value)),
    );
    this.byUserId = database.preparedRead('profile_by_user', (db) =>
      db
        .select()
        .from(profiles)
        .where(eq(profiles.userId, sql.placeholder('userId')))
        .limit(1),
    );
    this.claimsOf = database.preparedRead('access_claims_by_user', (db) =>
      db
        .select({
          roles: profiles.roles,
          // Written out: inside a template drizzle leaves columns unqualified, and an unqualified
          // user_id here would be the subquery's own.
          memberships: sql<AccessClaims['memberships']>`coalesce((
            select json_agg(
              json_build_object('organizationId', m.organization_id, 'role', m.role)
              order by m.created_at, m.organization_id
            )
            from organization_members m
            where m.user_id = "profiles"."user_id"
          ), '[]'::json)`,
        })
        .from(profiles)
        .where(eq(profiles.userId, sql.placeholder('userId')))
        .limit(1),
    );
  }

  async create(profile: Profile): Promise<void> {
    await this.insert(profile);
  }

  /**
   * Never for a deleted user (deleted_users). The tombstone is looked for after the insert, in a
   * statement of its own: an insert that waited on a deletion in flight (the profile's row locked)
   * goes ahead once that commits, and only a later statement sees the tombstone it wrote. Found,
   * the row is taken back before anyone saw it.
   */
  async createIfAbsent(profile: Profile): Promise<boolean> {
    return this.database.transaction(async () => {
      const created = await this.database.db
        .insert(profiles)
        .values(profile)
        .onConflictDoNothing({ target: profiles.userId })
        .returning({ userId: profiles.userId });
      if (created.length === 0) return false;
      const [deleted] = await this.database.db
        .select({ userId: deletedUsers.userId })
        .from(deletedUsers)
        .where(eq(deletedUsers.userId, profile.userId));
      if (!deleted) return true;
      await this.database.db.delete(profiles).where(eq(profiles.userId, profile.userId));
      return false;
    });
  }

  async findByUserId(userId: string): Promise<Profile | undefined> {
    const [row] = await this.byUserId({ userId });
    return row && toProfile(row);
  }

  async findAccessClaims(userId: string): Promise<AccessClaims | undefined> {
    const [row] = await this.claimsOf({ userId });
    return row && { roles: row.roles as GlobalRole[], memberships: row.memberships };
  }

  async findMany(userIds: string[]): Promise<Profile[]> {
    if (userIds.length === 0) return [];
    const rows = await this.database.db.select().from(profiles).where(inArray(profiles.userId, userIds));
    return rows.map(toProfile);
  }

  async updateName(userId: string, name: string, now: Date): Promise<void> {
    await this.database.db.update(profiles).set({ name, updatedAt: now }).where(eq(profiles.userId, userId));
  }

  async setRoles(userId: string, roles: GlobalRole[], now: Date): Promise<void> {
    await this.database.db.update(profiles).set({ roles, updatedAt: now }).where(eq(profiles.userId, userId));
  }

  async lockAdmins(): Promise<string[]> {
    const rows = await this.database.db
      .select({ userId: profiles.userId })
      .from(profiles)
      .where(sql`'admin' = any(${profiles.roles})`)
      .for('update');
    return rows.map((row) => row.userId);
  }

  /** The profile, and a tombstone so that it is never made again (createIfAbsent). */
  async delete(userId: string): Promise<void> {
    await this.database.transaction(async () => {
      await this.database.db.delete(profiles).where(eq(profiles.userId, userId));
      await this.database.db
        .insert(deletedUsers)
        .values({ userId, deletedAt: sql`now()` })
        .onConflictDoNothing({ target: deletedUsers.userId });
    });
  }
}
