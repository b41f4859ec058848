import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { type Database, PostgresDatabase } from '../database/database';
import type { MigrationPlan } from '../database/migration-plan';
import { PgliteDatabase } from '../database/pglite-database';

export interface TestDatabase {
  database: Database;
  /** `postgres` (TEST_DATABASE_URL, or a testcontainers server exported through it) or `pglite`. */
  kind: 'postgres' | 'pglite';
  /** For tests that need their own connections (races, raw SQL checks); postgres only. */
  url: string | undefined;
  dispose(): Promise<void>;
}

const silent = pino({ level: 'silent' });

/**
 * A fresh database for one test file, migrated with `plan`: a package's own stream(s) for its
 * integration tests, the deployment's whole plan for the black-box suites. With TEST_DATABASE_URL (set by CI, or by the jest
 * global setup when a Docker engine answered testcontainers) each file gets its own database,
 * dropped afterwards; otherwise PGlite in memory.
 */
export async function openTestDatabase(plan: MigrationPlan): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await PgliteDatabase.open(undefined);
    await database.migrate(plan);
    return { database, kind: 'pglite', url: undefined, dispose: () => database.close() };
  }

  const name = `latchkey_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = PostgresDatabase.open(
    { url: url.toString(), poolMax: 20, statementTimeoutMs: 30_000, namedStatements: true },
    silent,
  );
  await database.migrate(plan);
  return {
    database,
    kind: 'postgres',
    url: url.toString(),
    async dispose() {
      await database.close();
      await withAdmin(serverUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
