import path from 'node:path';
import type { Logger } from 'pino';
import { type Database, PostgresDatabase } from './database';
import type * as PgliteModule from './pglite-database';

export async function openDatabase(
  options: {
    url: string | undefined;
    dataDir: string;
    poolMax: number;
    statementTimeoutMs: number;
    namedStatements: boolean;
    listen?: boolean;
    iamAuth?: boolean;
  },
  log: Logger,
  /** Who holds an embedded database's directory, for the message of a process refused it. */
  holder = 'the Latchkey API',
): Promise<Database> {
  if (options.url) return PostgresDatabase.open({ ...options, url: options.url }, log);
  const dir = path.join(options.dataDir, 'pglite');
  log.info({ dataDir: dir }, 'DATABASE_URL is not set: using embedded PostgreSQL (PGlite)');
  // Loaded only here: a process that uses PostgreSQL never loads the embedded engine.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load of a CommonJS sibling
  const { PgliteDatabase } = require('./pglite-database') as typeof PgliteModule;
  return PgliteDatabase.open(dir, holder);
}
