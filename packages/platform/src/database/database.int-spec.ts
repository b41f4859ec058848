import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { Client } from 'pg';
import { openTestDatabase, type TestDatabase } from '../testing/test-database';
import { type PreparedWrite, rowOf } from './database';
import { isDatabaseUnavailable } from './database-errors';
import { isUniqueViolation } from './unique-violation';

const batchParent = pgTable('batch_parent', {
  id: integer('id').primaryKey(),
  label: text('label').notNull(),
});
const batchChild = pgTable('batch_child', {
  id: integer('id').primaryKey(),
  parentId: integer('parent_id').notNull(),
  seenAt: timestamp('seen_at', { withTimezone: true, mode: 'date' }),
  data: jsonb('data').$type<Record<string, unknown>>(),
});
type ChildRow = { id: number; parentId: number; seenAt: Date | null; data: Record<string, unknown> | null };

describe('Database: statements built once', () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase({ streams: [] });
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

describe('Database: write batches', () => {
  let test: TestDatabase;
  const parent = sql.identifier('batch_parent');
  const child = sql.identifier('batch_child');
  let parentWrite: PreparedWrite<{ id: number; label: string }>;
  let childWrite: PreparedWrite<ChildRow>;
  const insertParent = (id: number) => parentWrite({ id, label: `parent ${id}` });
  const insertChild = (id: number, parentId: number) =>
    childWrite({ id, parentId, seenAt: null, data: null });
  const idsOf = async (table: ReturnType<typeof sql.identifier>) =>
    (await test.database.rows<{ id: number }>(sql`select id from ${table} order by id`)).map((row) => row.id);
  /** xmin and cmin of every row written: one transaction and one command means one statement. */
  const writers = async () =>
    test.database.rows<{ xmin: string; cmin: string }>(
      sql`select xmin::text, cmin::text from ${parent} union select xmin::text, cmin::text from ${child}`,
    );

  beforeAll(async () => {
    test = await openTestDatabase({ streams: [] });
    await test.database.db.execute(sql`create table ${parent} (id int primary key, label text not null)`);
    await test.database.db.execute(
      sql`create table ${child} (
            id int primary key, parent_id int not null references ${parent} (id),
            seen_at timestamptz, data jsonb
          )`,
    );
    parentWrite = test.database.preparedWrite('batch_parent_insert', (db, value) =>
      db.insert(batchParent).values(rowOf({ id: true, label: true }, value)),
    );
    childWrite = test.database.preparedWrite('batch_child_insert', (db, value) =>
      db.insert(batchChild).values(rowOf({ id: true, parentId: true, seenAt: true, data: true }, value)),
    );
  });
  afterAll(() => test.dispose());
  beforeEach(async () => {
    await test.database.db.execute(sql`truncate ${child}, ${parent}`);
  });

  it('sends every write as one statement, in any order: a child may come before its parent', async () => {
    const committed = jest.fn();
    await test.database.writeBatch(async () => {
      await insertChild(10, 1);
      await insertParent(1);
      await insertParent(2);
      test.database.afterCommit(committed);
      expect(committed).not.toHaveBeenCalled();
    });
    expect(committed).toHaveBeenCalledTimes(1);
    expect(await idsOf(parent)).toEqual([1, 2]);
    expect(await idsOf(child)).toEqual([10]);
    expect(await writers()).toHaveLength(1); // separate statements would differ in cmin or xmin

    // The check itself, on the same writes made by a transaction: a command (cmin) per statement.
    await test.database.db.execute(sql`truncate ${child}, ${parent}`);
    await test.database.transaction(async () => {
      await insertParent(1);
      await insertChild(10, 1);
    });
    expect(await writers()).toHaveLength(2);
  });

  it('writes none of its rows when one fails, and says so in the error its write chose', async () => {
    await test.database.writeBatch(() => insertParent(1));
    const committed = jest.fn();
    class Taken extends Error {}
    const claimParent = test.database.preparedWrite<{ id: number }>(
      'batch_parent_claim',
      (db, value) => db.insert(batchParent).values({ id: value('id'), label: 'claimed' }),
      (error) => (isUniqueViolation(error, 'batch_parent_pkey') ? new Taken() : undefined),
    );
    const attempt = test.database.writeBatch(async () => {
      await insertParent(2);
      await claimParent({ id: 1 });
      test.database.afterCommit(committed);
    });
    await expect(attempt).rejects.toBeInstanceOf(Taken);
    await expect(
      test.database.writeBatch(() => insertChild(10, 99)), // no parent 99
    ).rejects.toThrow();
    expect(committed).not.toHaveBeenCalled();
    expect(await idsOf(parent)).toEqual([1]);
    expect(await idsOf(child)).toEqual([]);
  });

  it('runs afterRollback compensations when a transaction or a batch rolls back, before its error, and never after a commit', async () => {
    const order: string[] = [];
    const compensation = (name: string) => () => {
      order.push(`compensated ${name}`);
      return Promise.resolve();
    };
    await test.database.transaction(async () => {
      await insertParent(1);
      test.database.afterRollback(compensation('committed transaction'));
    });
    const failedTransaction = test.database.transaction(async () => {
      await insertParent(2);
      test.database.afterRollback(compensation('transaction'));
      // A failing compensation neither stops the next nor replaces the transaction's error.
      test.database.afterRollback(() => Promise.reject(new Error('compensation failed')));
      test.database.afterRollback(compensation('after a failed one'));
      throw new Error('the use case failed');
    });
    await expect(failedTransaction.finally(() => order.push('error seen'))).rejects.toThrow(
      'the use case failed',
    );
    const failedBatch = test.database.writeBatch(async () => {
      await insertParent(1); // taken: the batch's statement fails
      test.database.afterRollback(compensation('batch'));
    });
    await expect(failedBatch).rejects.toThrow();
    expect(order).toEqual([
      'compensated transaction',
      'compensated after a failed one',
      'error seen',
      'compensated batch',
    ]);
    expect(await idsOf(parent)).toEqual([1]);
  });

  it('refuses anything but a write inside it, before writing anything', async () => {
    const byId = test.database.preparedRead('batch_parent_by_id', (db) =>
      db
        .select({ id: batchParent.id })
        .from(batchParent)
        .where(sql`id = ${sql.placeholder('id')}`),
    );
    const attempts = [
      () => test.database.db.select().from(batchParent),
      () => byId({ id: 1 }),
      () => test.database.rows(sql`select 1`),
    ];
    for (const read of attempts) {
      await expect(
        test.database.writeBatch(async () => {
          await insertParent(1);
          await read();
        }),
      ).rejects.toThrow(/inside a write batch/);
    }
    expect(await idsOf(parent)).toEqual([]);
  });

  it('joins a transaction it runs in, and a transaction inside it joins the batch', async () => {
    await expect(
      test.database.transaction(async () => {
        await test.database.writeBatch(() => insertParent(1));
        expect(await idsOf(parent)).toEqual([1]); // written at once, in the transaction
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await idsOf(parent)).toEqual([]);

    await test.database.writeBatch(async () => {
      await insertParent(1);
      await test.database.transaction(() => insertChild(10, 1));
    });
    expect(await writers()).toHaveLength(1);
  });

  it('runs a write at once outside any unit of work, translating its error', async () => {
    const claimParent = test.database.preparedWrite<{ id: number }>(
      'batch_parent_claim_alone',
      (db, value) => db.insert(batchParent).values({ id: value('id'), label: 'claimed' }),
      (error) => (isUniqueViolation(error) ? new Error('taken') : undefined),
    );
    await claimParent({ id: 1 });
    expect(await idsOf(parent)).toEqual([1]);
    await expect(claimParent({ id: 1 })).rejects.toThrow('taken');
  });

  it("compiles a shape once and fills it with each batch's own values, one write appearing twice", async () => {
    const seenAt = new Date('2026-01-02T03:04:05.678Z');
    const children = async () =>
      test.database.rows<{ id: number; parent_id: number; seen_at: string | null; data: unknown }>(
        sql`select id, parent_id, seen_at, data from ${child} order by id`,
      );
    for (const base of [1, 3]) {
      await test.database.writeBatch(async () => {
        await insertParent(base);
        await insertParent(base + 1); // the same write twice: each has its own placeholders
        await childWrite({ id: base * 10, parentId: base + 1, seenAt, data: { n: base } });
        await childWrite({ id: base * 10 + 1, parentId: base, seenAt: null, data: null });
      });
    }
    expect(await idsOf(parent)).toEqual([1, 2, 3, 4]);
    const rows = await children();
    expect(rows.map((row) => [row.id, row.parent_id, row.data])).toEqual([
      [10, 2, { n: 1 }],
      [11, 1, null],
      [30, 4, { n: 3 }],
      [31, 3, null],
    ]);
    expect(rows.map((row) => row.seen_at && new Date(row.seen_at).getTime())).toEqual([
      seenAt.getTime(),
      null,
      seenAt.getTime(),
      null,
    ]);
  });

  it('refuses a write missing one of its values, before writing anything', async () => {
    const incomplete = { id: 1 } as unknown as { id: number; label: string };
    await expect(
      test.database.writeBatch(async () => {
        await insertParent(2);
        await parentWrite(incomplete);
      }),
    ).rejects.toThrow(/batch_parent_insert was given no value for label/);
    await expect(parentWrite(incomplete)).rejects.toThrow(/no value for label/);
    expect(await idsOf(parent)).toEqual([]);
  });
});

describe('Database: a connection lost in the middle of a transaction', () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase({ streams: [] });
  });
  afterAll(() => test.dispose());

  // pg-pool takes its error listener off a client while it is checked out, and a transaction
  // holds its client between statements (the services deployment's sign-up waits on the user
  // service inside one). A server that ends the connection in that gap (a restart, a failover,
  // an administrator's terminate) makes the client emit 'error' with no listener: unhandled, it
  // ended the whole process. The transaction must fail as "unavailable" instead, and the pool
  // go on with a new connection.
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'fails that transaction as unavailable, and neither the process nor the pool goes down',
    async () => {
      const admin = new Client({ connectionString: test.url });
      await admin.connect();
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.prependListener('uncaughtException', onUncaught);
      try {
        const failure = await test.database
          .transaction(async () => {
            const [backend] = await test.database.rows<{ pid: number }>(sql`select pg_backend_pid() as pid`);
            await admin.query('select pg_terminate_backend($1)', [backend!.pid]);
            // Between statements, as while waiting on another service: the connection's end arrives now.
            await new Promise((resolve) => setTimeout(resolve, 300));
            await test.database.rows(sql`select 1`);
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(uncaught).toEqual([]);
        expect(isDatabaseUnavailable(failure)).toBe(true);
        await expect(test.database.rows(sql`select 1 as one`)).resolves.toEqual([{ one: 1 }]);
      } finally {
        process.removeListener('uncaughtException', onUncaught);
        await admin.end();
      }
    },
  );
});
