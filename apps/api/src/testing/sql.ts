import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../platform/database/database';

export { sql };

/** Rows of a raw query, the same shape on pg and PGlite: for tests that assert on the database. */
export async function rows<T>(database: Database, query: SQL): Promise<T[]> {
  const result = (await database.db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
