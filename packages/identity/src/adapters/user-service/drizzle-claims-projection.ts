import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { Database, type PreparedRead, type PreparedWrite, rowOf } from '@latchkey/platform';
import { ClaimsProjectionStore, type ProjectedUser } from '../../application/ports';
import { claimsProjection } from '../persistence/schema';

type Row = typeof claimsProjection.$inferSelect;

const ROW = {
  userId: true,
  name: true,
  roles: true,
  memberships: true,
  lastEventId: true,
  updatedAt: true,
} as const satisfies Record<keyof Row, true>;

const toUser = (row: Row): ProjectedUser => ({
  userId: row.userId,
  name: row.name,
  roles: row.roles,
  memberships: row.memberships.map((m) => ({ ...m, since: new Date(m.since) })),
  lastEventId: row.lastEventId,
});

@Injectable()
export class DrizzleClaimsProjection extends ClaimsProjectionStore {
  // Registration writes the new account's row in its one statement (UnitOfWork.runWrites).
  private readonly upsert: PreparedWrite<Row>;
  // Every access token minted (login, refresh) and every name shown: built once (preparedRead).
  private readonly byUserId: PreparedRead<Row[]>;

  constructor(private readonly database: Database) {
    super();
    this.byUserId = database.preparedRead('claims_projection_by_user', (db) =>
      db
        .select({
          userId: claimsProjection.userId,
          name: claimsProjection.name,
          roles: claimsProjection.roles,
          memberships: claimsProjection.memberships,
          lastEventId: claimsProjection.lastEventId,
          updatedAt: claimsProjection.updatedAt,
        } satisfies Record<keyof Row, unknown>)
        .from(claimsProjection)
        .where(eq(claimsProjection.userId, sql.placeholder('userId')))
        .limit(1),
    );
    this.upsert = database.preparedWrite('claims_projection_upsert', (db, value) =>
      db
        .insert(claimsProjection)
        .values(rowOf(ROW, value))
        .onConflictDoUpdate({
          target: claimsProjection.userId,
          set: {
            name: sql`excluded.name`,
            roles: sql`excluded.roles`,
            memberships: sql`excluded.memberships`,
            lastEventId: sql`excluded.last_event_id`,
            updatedAt: sql`excluded.updated_at`,
          },
        }),
    );
  }

  async find(userId: string): Promise<ProjectedUser | undefined> {
    const [row] = await this.byUserId({ userId });
    return row && toUser(row);
  }

  async lock(userId: string): Promise<ProjectedUser | undefined> {
    const [row] = await this.database.db
      .select()
      .from(claimsProjection)
      .where(eq(claimsProjection.userId, userId))
      .for('update');
    return row && toUser(row);
  }

  async lockMembersOf(organizationId: string): Promise<string[]> {
    const rows = await this.database.db
      .select({ userId: claimsProjection.userId })
      .from(claimsProjection)
      .where(sql`${claimsProjection.memberships} @> ${JSON.stringify([{ organizationId }])}::jsonb`)
      .orderBy(claimsProjection.userId)
      .for('update');
    return rows.map((row) => row.userId);
  }

  async save(user: ProjectedUser, now: Date): Promise<void> {
    await this.upsert({
      userId: user.userId,
      name: user.name,
      roles: user.roles,
      memberships: user.memberships.map((m) => ({ ...m, since: m.since.toISOString() })),
      lastEventId: user.lastEventId,
      updatedAt: now,
    });
  }

  async remove(userId: string): Promise<void> {
    await this.database.db.delete(claimsProjection).where(eq(claimsProjection.userId, userId));
  }
}
