import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../database/database';

export { sql };

/** Rows of a raw query, the same shape on pg and PGlite: for tests that assert on the database. */
export function rows<T>(database: Database, query: SQL): Promise<T[]> {
  return database.rows<T>(query);
}
