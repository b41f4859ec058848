import { sql } from 'drizzle-orm';
import { openTestDatabase, type TestDatabase } from '../../testing/test-database';

describe('Database: statements built once', () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase();
    await test.database.db.execute(
      sql`create table statement_probe (id int primary key, label text not null)`,
    );
  });
  afterAll(() => test.dispose());

  it('runs a hand-written statement as its own transaction: all of its writes or none', async () => {
    const insertBoth = test.database.statement<{ inserted: number }>(
      'probe_insert_both',
      sql`with first as (
            insert into statement_probe (id, label) values (${sql.placeholder('a')}::int, 'a') returning id
          ), second as (
            insert into statement_probe (id, label) select ${sql.placeholder('b')}::int, 'b' from first returning id
          )
          select count(*)::int as inserted from second`,
    );
    await expect(insertBoth({ a: 1, b: 2 })).resolves.toEqual([{ inserted: 1 }]);
    // The second insert collides with row 2: the first insert of the same statement is undone.
    await expect(insertBoth({ a: 3, b: 2 })).rejects.toThrow();
    const ids = await test.database.rows<{ id: number }>(sql`select id from statement_probe order by id`);
    expect(ids.map((row) => row.id)).toEqual([1, 2]);
  });

  it('refuses to run inside a transaction, where it would silently run outside it', async () => {
    const count = test.database.statement('probe_count', sql`select count(*)::int as n from statement_probe`);
    await expect(test.database.transaction(() => count({}))).rejects.toThrow(/its own transaction/);
    await expect(count({})).resolves.toEqual([{ n: expect.any(Number) }]);
  });

  it('refuses two different statements under one name', () => {
    test.database.statement('probe_named', sql`select 1 as one`);
    expect(() => test.database.statement('probe_named', sql`select 1 as one`)).not.toThrow();
    expect(() => test.database.statement('probe_named', sql`select 2 as two`)).toThrow(
      /two statements named/,
    );
    expect(() => test.database.statement('Not A Name', sql`select 1`)).toThrow(/not a statement name/);
  });

  it('runs a prepared read again and again with new values, on the pool and inside a transaction', async () => {
    const byId = test.database.preparedRead('probe_by_id', (db) =>
      db
        .select({ label: sql<string>`label` })
        .from(sql`statement_probe`)
        .where(sql`id = ${sql.placeholder('id')}`),
    );
    await expect(byId({ id: 1 })).resolves.toEqual([{ label: 'a' }]);
    await expect(byId({ id: 2 })).resolves.toEqual([{ label: 'b' }]);
    const inside = await test.database.transaction(async () => {
      await test.database.db.execute(sql`insert into statement_probe (id, label) values (9, 'uncommitted')`);
      return byId({ id: 9 });
    });
    expect(inside).toEqual([{ label: 'uncommitted' }]);
  });
});
