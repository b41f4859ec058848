import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type Database, openDatabase } from '@latchkey/platform';
import { rows, sql } from '@latchkey/platform/testing';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { Client, Pool } from 'pg';
import pino from 'pino';
import { MIGRATION_PLAN } from './paths';

/**
 * The packages' migration streams against the single stream of earlier releases: a fresh database
 * and one an earlier release made (completely, or part-way) end with the same schema, and
 * migrating again changes nothing.
 */
const silent = pino({ level: 'silent' });
const legacyFolder = MIGRATION_PLAN.legacyFolder!;
const legacyMigrations = readdirSync(legacyFolder).filter((name) => name.endsWith('.sql')).length;

/** Everything a migration can make, as PostgreSQL describes it, in a stable order. */
async function schemaOf(database: Database): Promise<unknown> {
  return {
    columns: await rows(
      database,
      sql`select table_name, column_name, data_type, is_nullable, column_default
          from information_schema.columns where table_schema = 'public' order by 1, 2`,
    ),
    indexes: await rows(
      database,
      sql`select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`,
    ),
    constraints: await rows(
      database,
      sql`select conname, pg_get_constraintdef(oid) as def from pg_constraint
          where connamespace = 'public'::regnamespace order by 1`,
    ),
    triggers: await rows(database, sql`select tgname from pg_trigger where not tgisinternal order by 1`),
    functions: await rows(
      database,
      sql`select proname, prosrc from pg_proc where pronamespace = 'public'::regnamespace order by 1`,
    ),
    policies: await rows(
      database,
      sql`select polname, pg_get_expr(polqual, polrelid) as using, pg_get_expr(polwithcheck, polrelid) as check
          from pg_policy order by 1`,
    ),
    rowSecurity: await rows(
      database,
      sql`select relname from pg_class where relnamespace = 'public'::regnamespace and relrowsecurity order by 1`,
    ),
  };
}

/** Each migration history table and how many migrations it records, by table name. */
async function historyOf(database: Database): Promise<{ history: string; applied: string }[]> {
  const tables = await rows<{ name: string }>(
    database,
    sql`select table_name as name from information_schema.tables where table_schema = 'drizzle' order by 1`,
  );
  const histories = [];
  for (const { name } of tables) {
    const [count] = await rows<{ n: number | string }>(
      database,
      sql`select count(*) as n from ${sql.identifier('drizzle')}.${sql.identifier(name)}`,
    );
    histories.push({ history: name, applied: String(count!.n) });
  }
  return histories;
}

/** The legacy stream as a release that shipped only its first `upTo` migrations had it. */
function legacyUpTo(upTo: number): { folder: string; dispose(): void } {
  const folder = mkdtempSync(path.join(tmpdir(), 'latchkey-legacy-'));
  cpSync(legacyFolder, folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
  writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
  return { folder, dispose: () => rmSync(folder, { recursive: true, force: true }) };
}

/** A database of its own: PostgreSQL with TEST_DATABASE_URL (CI's second pass), else PGlite. */
interface Target {
  open(): Promise<Database>;
  /** Migrates it as a release before the split did: drizzle's migrator over the legacy stream. */
  migrateAsAnEarlierRelease(upTo: number): Promise<void>;
  dispose(): Promise<void>;
}

function pgliteTarget(): Target {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-plan-'));
  return {
    open: () =>
      openDatabase(
        { url: undefined, dataDir, poolMax: 1, statementTimeoutMs: 30_000, namedStatements: false },
        silent,
      ),
    async migrateAsAnEarlierRelease(upTo) {
      const legacy = legacyUpTo(upTo);
      const client = await PGlite.create(path.join(dataDir, 'pglite'));
      try {
        await migratePglite(drizzlePglite({ client }), { migrationsFolder: legacy.folder });
      } finally {
        await client.close();
        legacy.dispose();
      }
    },
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function postgresTarget(serverUrl: string): Promise<Target> {
  const name = `latchkey_plan_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    open: () =>
      openDatabase(
        {
          url: url.toString(),
          dataDir: tmpdir(),
          poolMax: 2,
          statementTimeoutMs: 30_000,
          namedStatements: true,
        },
        silent,
      ),
    async migrateAsAnEarlierRelease(upTo) {
      const legacy = legacyUpTo(upTo);
      const pool = new Pool({ connectionString: url.toString(), max: 1 });
      try {
        await migrateNodePg(drizzleNodePg({ client: pool }), { migrationsFolder: legacy.folder });
      } finally {
        await pool.end();
        legacy.dispose();
      }
    },
    dispose: () => admin(`drop database if exists ${name} with (force)`),
  };
}

const newTarget = (): Promise<Target> | Target =>
  process.env.TEST_DATABASE_URL ? postgresTarget(process.env.TEST_DATABASE_URL) : pgliteTarget();

describe('the migration plan', () => {
  const targets: Target[] = [];
  const target = async () => {
    const made = await newTarget();
    targets.push(made);
    return made;
  };
  let fresh: { schema: unknown; history: { history: string; applied: string }[] };

  beforeAll(async () => {
    const database = await (await target()).open();
    try {
      await database.migrate(MIGRATION_PLAN);
      fresh = { schema: await schemaOf(database), history: await historyOf(database) };
    } finally {
      await database.close();
    }
  }, 60_000);
  afterAll(() => Promise.all(targets.map((made) => made.dispose())));

  it('runs each package stream on a fresh database, recorded in its own history', () => {
    const expected = MIGRATION_PLAN.streams.map((stream) => ({
      history: `__drizzle_migrations_${stream.name.replace(/-/g, '_')}`,
      applied: String(readdirSync(stream.folder).filter((name) => name.endsWith('.sql')).length),
    }));
    expect(fresh.history).toEqual(expected.sort((a, b) => a.history.localeCompare(b.history)));
  });

  it.each([
    ['completely', legacyMigrations],
    ['part-way (before tenant isolation)', 5],
  ])(
    'adopts a database an earlier release migrated %s: same schema as a fresh one, baselines recorded, not run',
    async (_how, upTo) => {
      const made = await target();
      await made.migrateAsAnEarlierRelease(upTo);
      const database = await made.open();
      const adopted = [
        { history: '__drizzle_migrations', applied: String(legacyMigrations) },
        ...fresh.history,
      ];
      try {
        await database.migrate(MIGRATION_PLAN);
        expect(await schemaOf(database)).toEqual(fresh.schema);
        expect(await historyOf(database)).toEqual(adopted);
        await database.migrate(MIGRATION_PLAN); // again: nothing to apply, nothing recorded twice
        expect(await historyOf(database)).toEqual(adopted);
      } finally {
        await database.close();
      }
    },
    60_000,
  );
});
