import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createMissingDatabases } from './create-databases';

const url = process.env.TEST_DATABASE_URL;

// Against the real PostgreSQL server (TEST_DATABASE_URL); PGlite has no CREATE DATABASE.
(url ? describe : describe.skip)('createMissingDatabases (PostgreSQL)', () => {
  const names = [1, 2].map(() => `latchkey_spec_${randomBytes(4).toString('hex')}`);
  const admin = new Client({ connectionString: url });
  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const name of names) await admin.query(`drop database if exists ${name}`);
    await admin.end();
  });

  it('creates the missing databases once; a second run, or two at once, create nothing more', async () => {
    const [first, second] = await Promise.all([
      createMissingDatabases({ url: url! }, names),
      createMissingDatabases({ url: url! }, names),
    ]);
    expect([...first, ...second].sort()).toEqual([...names].sort());
    const found = await admin.query<{ datname: string }>(
      'select datname from pg_database where datname = any($1) order by datname',
      [names],
    );
    expect(found.rows.map((row) => row.datname)).toEqual([...names].sort());
    expect(await createMissingDatabases({ url: url! }, names)).toEqual([]);
  });

  it('refuses a name it would have to quote, before connecting', async () => {
    await expect(
      createMissingDatabases({ url: 'postgres://nowhere.invalid/x' }, ['a"; drop']),
    ).rejects.toThrow('not a database name: "a\\"; drop"');
  });
});
