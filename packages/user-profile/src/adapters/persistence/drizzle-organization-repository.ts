import { Injectable } from '@nestjs/common';
import { and, asc, eq, sql } from 'drizzle-orm';
import { Database, isUniqueViolation } from '@latchkey/platform';
import { OrganizationRepository } from '../../application/ports';
import { AlreadyMember, SlugUnavailable } from '../../domain/errors';
import type { Membership, Organization, OrganizationRole } from '../../domain/organization';
import { organizationMembers, organizations, TENANT_ROLE } from './schema';

const toMembership = (row: typeof organizationMembers.$inferSelect): Membership => ({
  ...row,
  role: row.role as OrganizationRole,
});

@Injectable()
export class DrizzleOrganizationRepository extends OrganizationRepository {
  constructor(private readonly database: Database) {
    super();
  }

  /**
   * Runs `work` as the tenant role with `app.current_org_id` set, inside the current transaction
   * (or one of its own): the row-level security policies then show and accept only that
   * organization's rows. Both settings are LOCAL: they end with the transaction at the latest,
   * and are undone at once after `work` so the rest of the use case runs as before.
   */
  private inTenant<T>(organizationId: string, work: () => Promise<T>): Promise<T> {
    return this.database.transaction(async () => {
      const db = this.database.db;
      await db.execute(sql.raw(`set local role ${TENANT_ROLE}`));
      await db.execute(sql`select set_config('app.current_org_id', ${organizationId}, true)`);
      const result = await work();
      await db.execute(sql`reset role`);
      await db.execute(sql`select set_config('app.current_org_id', '', true)`);
      return result;
    });
  }

  create(organization: Organization): Promise<void> {
    return this.inTenant(organization.id, async () => {
      try {
        await this.database.db
          .insert(organizations)
          .values({ ...organization, updatedAt: organization.createdAt });
      } catch (error) {
        if (isUniqueViolation(error, 'organizations_slug_key')) throw new SlugUnavailable(organization.slug);
        throw error;
      }
    });
  }

  find(organizationId: string): Promise<Organization | undefined> {
    return this.inTenant(organizationId, async () => {
      const [row] = await this.database.db
        .select({
          id: organizations.id,
          name: organizations.name,
          slug: organizations.slug,
          createdAt: organizations.createdAt,
        })
        .from(organizations)
        .where(eq(organizations.id, organizationId));
      return row;
    });
  }

  async slugTaken(slug: string): Promise<boolean> {
    const [row] = await this.database.db
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.slug, slug))
      .limit(1);
    return row !== undefined;
  }

  addMember(membership: Membership): Promise<void> {
    return this.inTenant(membership.organizationId, async () => {
      try {
        await this.database.db.insert(organizationMembers).values(membership);
      } catch (error) {
        if (isUniqueViolation(error, 'organization_members_pkey')) throw new AlreadyMember();
        throw error;
      }
    });
  }

  membership(organizationId: string, userId: string): Promise<Membership | undefined> {
    return this.inTenant(organizationId, async () => {
      const [row] = await this.database.db
        .select()
        .from(organizationMembers)
        .where(
          and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)),
        );
      return row && toMembership(row);
    });
  }

  members(organizationId: string): Promise<Membership[]> {
    return this.inTenant(organizationId, async () => {
      const rows = await this.database.db
        .select()
        .from(organizationMembers)
        .where(eq(organizationMembers.organizationId, organizationId))
        .orderBy(asc(organizationMembers.createdAt), asc(organizationMembers.userId));
      return rows.map(toMembership);
    });
  }

  lockOwners(organizationId: string): Promise<string[]> {
    return this.inTenant(organizationId, async () => {
      const rows = await this.database.db
        .select({ userId: organizationMembers.userId })
        .from(organizationMembers)
        .where(
          and(
            eq(organizationMembers.organizationId, organizationId),
            eq(organizationMembers.role, 'ORGANIZATION_OWNER'),
          ),
        )
        .for('update');
      return rows.map((row) => row.userId);
    });
  }

  removeMember(organizationId: string, userId: string): Promise<void> {
    return this.inTenant(organizationId, async () => {
      await this.database.db
        .delete(organizationMembers)
        .where(
          and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)),
        );
    });
  }

  setMemberRole(organizationId: string, userId: string, role: OrganizationRole): Promise<void> {
    return this.inTenant(organizationId, async () => {
      await this.database.db
        .update(organizationMembers)
        .set({ role })
        .where(
          and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)),
        );
    });
  }

  delete(organizationId: string): Promise<void> {
    return this.inTenant(organizationId, async () => {
      await this.database.db.delete(organizations).where(eq(organizations.id, organizationId));
    });
  }

  async membershipsOf(userId: string): Promise<Membership[]> {
    const rows = await this.database.db
      .select()
      .from(organizationMembers)
      .where(eq(organizationMembers.userId, userId))
      .orderBy(asc(organizationMembers.createdAt), asc(organizationMembers.organizationId));
    return rows.map(toMembership);
  }

  async organizationsOf(userId: string): Promise<{ organization: Organization; membership: Membership }[]> {
    const rows = await this.database.db
      .select({
        membership: organizationMembers,
        organization: {
          id: organizations.id,
          name: organizations.name,
          slug: organizations.slug,
          createdAt: organizations.createdAt,
        },
      })
      .from(organizationMembers)
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .where(eq(organizationMembers.userId, userId))
      .orderBy(asc(organizationMembers.createdAt), asc(organizationMembers.organizationId));
    return rows.map((row) => ({ organization: row.organization, membership: toMembership(row.membership) }));
  }

  async removeUserEverywhere(userId: string): Promise<void> {
    await this.database.db.delete(organizationMembers).where(eq(organizationMembers.userId, userId));
  }

  soleOwnedMadeBetween(
    from: Date,
    to: Date,
    afterId: string | undefined,
    limit: number,
  ): Promise<{ organizationId: string; ownerId: string }[]> {
    return this.database.rows<{ organizationId: string; ownerId: string }>(sql`
      select o.id as "organizationId", min(m.user_id::text) as "ownerId"
      from organizations o
      join organization_members m on m.organization_id = o.id
      where o.created_at >= ${from.toISOString()}::timestamptz and o.created_at < ${to.toISOString()}::timestamptz
        ${afterId ? sql`and o.id > ${afterId}::uuid` : sql``}
      group by o.id
      having count(*) = 1 and bool_and(m.role = 'ORGANIZATION_OWNER')
      order by o.id
      limit ${limit}
    `);
  }
}
