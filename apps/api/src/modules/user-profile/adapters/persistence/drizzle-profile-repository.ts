import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { Database, type PreparedRead } from '../../../../platform/database/database';
import { ProfileRepository } from '../../application/ports';
import type { GlobalRole, Profile } from '../../domain/profile';
import { profiles } from './schema';

@Injectable()
export class DrizzleProfileRepository extends ProfileRepository {
  // Read for every access token minted and every GET /auth/me: built once (Database.preparedRead).
  private readonly byUserId: PreparedRead<(typeof profiles.$inferSelect)[]>;

  constructor(private readonly database: Database) {
    super();
    this.byUserId = database.preparedRead((db) =>
      db
        .select()
        .from(profiles)
        .where(eq(profiles.userId, sql.placeholder('userId')))
        .limit(1),
    );
  }

  async create(profile: Profile): Promise<void> {
    await this.database.db.insert(profiles).values(profile);
  }

  async findByUserId(userId: string): Promise<Profile | undefined> {
    const [row] = await this.byUserId({ userId });
    return row && { ...row, roles: row.roles as GlobalRole[] };
  }
}
