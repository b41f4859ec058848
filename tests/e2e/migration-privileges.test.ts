import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrateCli } from '../../apps/api/src/cli/migrate';

const serverUrl = process.env.TEST_DATABASE_URL;

async function asSuperuser(statements: string[]): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

async function migrate(url: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMigrateCli(
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    { env: { NODE_ENV: 'test', DATABASE_URL: url } },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// A role of its own on the real server: PGlite has one all-powerful user.
(serverUrl ? describe : describe.skip)('migrations run by a role without CREATEROLE', () => {
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const role = `latchkey_migrator_${suffix}`;
  const database = `latchkey_privileges_${suffix}`;
  let url: string;

  beforeAll(async () => {
    await asSuperuser([
      // What a DBA runs once per cluster (docs/runbooks/migrations.md, "Privileges"); other test
      // databases of this server may have made it already.
      `do $$ begin if not exists (select from pg_roles where rolname = 'latchkey_tenant') then create role latchkey_tenant nologin; end if; exception when duplicate_object or unique_violation then null; end $$`,
      `create role ${role} login nocreaterole nosuperuser`,
      `create database ${database} owner ${role}`,
    ]);
    const target = new URL(serverUrl!);
    target.username = role;
    target.password = '';
    target.pathname = `/${database}`;
    url = target.toString();
  });

  afterAll(async () => {
    await asSuperuser([`drop database if exists ${database} with (force)`, `drop role if exists ${role}`]);
  });

  it("prints PostgreSQL's reason, the migration and the runbook, then succeeds once the DBA granted the role", async () => {
    const refused = await migrate(url);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /^failed: migration user-profile\/0000_baseline\.sql failed: .*latchkey_tenant.* \(SQLSTATE 42501\)$/m,
    );
    expect(refused.err).toContain('where: SQL statement "GRANT latchkey_tenant TO');
    expect(refused.err).toContain('docs/runbooks/migrations.md, "Privileges"');
    expect(refused.err).not.toContain('Failed query');

    // The DBA grants the pre-created role; the same command now completes, and again is a no-op.
    await asSuperuser([`grant latchkey_tenant to ${role}`]);
    expect(await migrate(url)).toEqual({ code: 0, out: 'migrations applied (postgres)', err: '' });
    expect((await migrate(url)).code).toBe(0);
  });
});
