import { sql } from 'drizzle-orm';
import { Database } from './database';

/**
 * PostgreSQL advisory locks held until the current transaction ends. `tryTransactionLock`: among
 * instances running the same job, exactly one gets it and the others go on without waiting.
 */
export async function tryTransactionLock(database: Database, name: string): Promise<boolean> {
  if (!database.inTransaction) throw new Error('a transaction lock needs a transaction');
  const [row] = await database.rows<{ acquired: boolean }>(
    sql`select pg_try_advisory_xact_lock(hashtext(${name})) as acquired`,
  );
  return row?.acquired === true;
}

export async function transactionLock(database: Database, name: string): Promise<void> {
  if (!database.inTransaction) throw new Error('a transaction lock needs a transaction');
  await database.db.execute(sql`select pg_advisory_xact_lock(hashtext(${name}))`);
}
