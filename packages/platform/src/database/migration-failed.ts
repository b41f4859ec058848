import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chainOf } from './database-errors';

interface ServerError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** Inside a DO block: the inner statement that failed ('SQL statement "GRANT …"'). */
  where?: string;
}

/** SQLSTATE 42501: a missing privilege. The usual cause on a first deployment (see the runbook). */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * A migration that failed, saying what the database said: drizzle's own message is only
 * "Failed query: <the whole migration>", with PostgreSQL's reason ("permission denied to create
 * role") and hint left inside `cause`. An operator reads this one at start-up or from
 * `pnpm db:migrate`; it names the file, the server's message, detail and hint, and what to do.
 */
export class MigrationFailed extends Error {
  constructor(
    override readonly cause: unknown,
    migrationsFolder: string,
    /** The stream the folder is (a package's name), to tell its `0000_baseline.sql` from another's. */
    stream?: string,
  ) {
    const server = serverErrorIn(cause);
    const statement = failedStatementIn(cause);
    const file = statement === undefined ? undefined : migrationHolding(statement, migrationsFolder);
    const lines = [
      `migration ${file === undefined ? '(unknown file)' : `${stream ? `${stream}/` : ''}${file}`} failed: ${server ? `${server.message} (SQLSTATE ${server.code})` : messageOf(cause)}`,
    ];
    if (server?.detail) lines.push(`  detail: ${server.detail}`);
    if (server?.hint) lines.push(`  hint: ${server.hint}`);
    if (server?.where) lines.push(`  where: ${server.where}`);
    else if (statement !== undefined) lines.push(`  statement: ${firstCodeLine(statement)}`);
    if (server?.code === INSUFFICIENT_PRIVILEGE) {
      lines.push(
        '  The role that runs migrations lacks a privilege. It must own the database (or have CREATE on',
        '  schema public), and either have CREATEROLE or find the role latchkey_tenant created and',
        '  granted to it beforehand by a DBA: see docs/runbooks/migrations.md, "Privileges".',
      );
    }
    super(lines.join('\n'));
    this.name = 'MigrationFailed';
  }
}

function serverErrorIn(error: unknown): ServerError | undefined {
  for (const link of chainOf(error)) {
    if (
      typeof link.code === 'string' &&
      /^[0-9A-Z]{5}$/.test(link.code) &&
      typeof link.message === 'string'
    ) {
      return {
        code: link.code,
        message: link.message,
        detail: typeof link.detail === 'string' ? link.detail : undefined,
        hint: typeof link.hint === 'string' ? link.hint : undefined,
        where: typeof link.where === 'string' ? link.where.split('\n')[0] : undefined,
      };
    }
  }
  return undefined;
}

function failedStatementIn(error: unknown): string | undefined {
  for (const link of chainOf(error)) if (typeof link.query === 'string') return link.query;
  return undefined;
}

function migrationHolding(statement: string, folder: string): string | undefined {
  try {
    const trimmed = statement.trim();
    return readdirSync(folder)
      .filter((name) => name.endsWith('.sql'))
      .find((name) => readFileSync(path.join(folder, name), 'utf8').includes(trimmed));
  } catch {
    return undefined;
  }
}

/** The statement's first line that is not a comment: which command it was. */
function firstCodeLine(statement: string): string {
  const line = statement
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text !== '' && !text.startsWith('--'));
  return (line ?? statement.trim()).slice(0, 200);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
