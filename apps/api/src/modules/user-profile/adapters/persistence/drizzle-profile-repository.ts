import { Injectable } from '@nestjs/common';
import { eq } from 'drizzle-orm';
import { Database } from '../../../../platform/database/database';
import { ProfileRepository } from '../../application/ports';
import type { GlobalRole, Profile } from '../../domain/profile';
import { profiles } from './schema';

@Injectable()
export class DrizzleProfileRepository extends ProfileRepository {
  constructor(private readonly database: Database) {
    super();
  }

  async create(profile: Profile): Promise<void> {
    await this.database.db.insert(profiles).values(profile);
  }

  async findByUserId(userId: string): Promise<Profile | undefined> {
    const [row] = await this.database.db.select().from(profiles).where(eq(profiles.userId, userId)).limit(1);
    return row && { ...row, roles: row.roles as GlobalRole[] };
  }
}
