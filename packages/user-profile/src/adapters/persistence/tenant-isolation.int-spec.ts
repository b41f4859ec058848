import { sql } from 'drizzle-orm';
import { openTestDatabase, rows, type TestDatabase } from '@latchkey/platform/testing';
import { DrizzleOrganizationRepository } from './drizzle-organization-repository';
import { userProfileMigrations } from '../../migrations';

const ORG_A = '0190a5b2-0000-7000-8000-00000000000a';
const ORG_B = '0190a5b2-0000-7000-8000-00000000000b';
const USER = '0190a5b2-0000-7000-8000-000000000001';

/**
 * Row-level security, at the SQL level: as the tenant role, a query that does not name its
 * organization sees no organization data at all, and one that names organization A sees A's rows
 * only and cannot write B's.
 */
describe('tenant isolation (PostgreSQL row-level security)', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase({ streams: [userProfileMigrations] });
    const repository = new DrizzleOrganizationRepository(test.database);
    const now = new Date();
    for (const [id, slug] of [
      [ORG_A, 'org-a'],
      [ORG_B, 'org-b'],
    ] as const) {
      await repository.create({ id, name: slug, slug, createdAt: now });
      await repository.addMember({
        organizationId: id,
        userId: USER,
        role: 'ORGANIZATION_OWNER',
        createdAt: now,
      });
    }
  });
  afterAll(() => test.dispose());

  /** Runs `statement` as the tenant role, optionally scoped to an organization, then rolls back. */
  async function asTenant<T>(organizationId: string | undefined, statement: string): Promise<T[]> {
    const db = test.database;
    let result: T[] = [];
    await db
      .transaction(async () => {
        await db.db.execute(sql`set local role latchkey_tenant`);
        if (organizationId)
          await db.db.execute(sql`select set_config('app.current_org_id', ${organizationId}, true)`);
        result = await rows<T>(db, sql.raw(statement));
        throw new Error('rollback');
      })
      .catch((error: Error) => {
        if (error.message !== 'rollback') throw error;
      });
    return result;
  }

  it('shows nothing to a query that does not set the organization', async () => {
    expect(await asTenant(undefined, 'select id from organizations')).toEqual([]);
    expect(await asTenant(undefined, 'select user_id from organization_members')).toEqual([]);
  });

  it("shows one organization's rows, and not another's, to a query scoped to it", async () => {
    expect(await asTenant<{ id: string }>(ORG_A, 'select id from organizations')).toEqual([{ id: ORG_A }]);
    expect(
      await asTenant<{ organization_id: string }>(ORG_A, 'select organization_id from organization_members'),
    ).toEqual([{ organization_id: ORG_A }]);
    expect(await asTenant(ORG_A, `select id from organizations where id = '${ORG_B}'`)).toEqual([]);
  });

  it("refuses to write another organization's rows", async () => {
    await expect(
      asTenant(
        ORG_A,
        `insert into organization_members (organization_id, user_id, role, created_at)
         values ('${ORG_B}', '0190a5b2-0000-7000-8000-000000000002', 'ORGANIZATION_MEMBER', now()) returning user_id`,
      ),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/row-level security/) } });
    expect(
      await asTenant(ORG_A, `update organizations set name = 'x' where id = '${ORG_B}' returning id`),
    ).toEqual([]);
  });

  it('still lets the application see every row outside a tenant scope (its own role)', async () => {
    const all = await rows<{ n: number }>(test.database, sql`select count(*) as n from organizations`);
    expect(Number(all[0]!.n)).toBe(2);
  });
});
