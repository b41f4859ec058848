import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MigrationFailed } from './migration-failed';

/** The shape drizzle throws: "Failed query: …" with the driver's error as `cause`. */
function drizzleError(query: string, server: Record<string, unknown>): Error {
  const cause = Object.assign(new Error(String(server.message)), server);
  return Object.assign(new Error(`Failed query: ${query}\nparams: `), { query, params: [], cause });
}

describe('MigrationFailed', () => {
  let folder: string;
  const statement = '-- why\nCREATE ROLE latchkey_tenant NOLOGIN;\n';
  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'latchkey-migrations-'));
    writeFileSync(path.join(folder, '0000_first.sql'), 'CREATE TABLE a (id int);');
    writeFileSync(path.join(folder, '0005_roles.sql'), `${statement}--> statement-breakpoint\nGRANT …;`);
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('names the file and says what PostgreSQL said, with its detail and hint, and the runbook for privileges', () => {
    const failure = new MigrationFailed(
      drizzleError(statement, {
        code: '42501',
        severity: 'ERROR',
        message: 'permission denied to create role',
        detail: 'Only roles with the CREATEROLE attribute may create roles.',
        hint: 'Ask a superuser.',
      }),
      folder,
    );
    expect(failure.message.split('\n').slice(0, 4)).toEqual([
      'migration 0005_roles.sql failed: permission denied to create role (SQLSTATE 42501)',
      '  detail: Only roles with the CREATEROLE attribute may create roles.',
      '  hint: Ask a superuser.',
      '  statement: CREATE ROLE latchkey_tenant NOLOGIN;',
    ]);
    expect(failure.message).toContain('docs/runbooks/migrations.md, "Privileges"');
    expect(failure.message).not.toContain('Failed query');
  });

  it('names the inner statement of a DO block, and keeps other failures to their own message', () => {
    const inner = new MigrationFailed(
      drizzleError('DO $$ BEGIN EXECUTE 1; END $$;', {
        code: '42P07',
        message: 'relation "a" already exists',
        where: 'SQL statement "CREATE TABLE a (id int)"\nPL/pgSQL function inline_code_block line 1',
      }),
      folder,
    );
    expect(inner.message).toBe(
      'migration (unknown file) failed: relation "a" already exists (SQLSTATE 42P07)\n' +
        '  where: SQL statement "CREATE TABLE a (id int)"',
    );
    expect(new MigrationFailed(new Error('connect ECONNREFUSED'), folder).message).toBe(
      'migration (unknown file) failed: connect ECONNREFUSED',
    );
  });
});
