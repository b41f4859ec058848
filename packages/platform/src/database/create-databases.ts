import { Client, escapeIdentifier } from 'pg';
import { connectionConfig, rdsIamPassword } from './rds-iam-password';

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/**
 * What a CREATE DATABASE that lost a race answers: duplicate_database when the other's commit came
 * first, or unique_violation on pg_database's name index while both were inserting it (measured).
 */
const ALREADY_MADE = ['42P04', '23505'];

/**
 * Creates each named database that the server behind `url` does not have yet, owned by the
 * connecting user, and returns the ones it created. For a deployment whose services each have a
 * database of their own on one server (the services deployment on Aurora: `latchkey_auth`,
 * `latchkey_users`), run once before they first start; running it again creates nothing. Two runs
 * at once are fine: the loser of a race finds the database made (ALREADY_MADE).
 */
export async function createMissingDatabases(
  options: { url: string; iamAuth?: boolean },
  names: readonly string[],
): Promise<string[]> {
  for (const name of names)
    if (!DATABASE_NAME.test(name))
      throw new Error(`not a database name: ${JSON.stringify(name)} (lower-case letters, digits and _)`);
  const client = new Client({
    ...connectionConfig(options.url, options.iamAuth ? rdsIamPassword(options.url) : undefined),
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  const created: string[] = [];
  try {
    for (const name of names) {
      const existing = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (existing.rowCount) continue;
      try {
        // CREATE DATABASE takes no parameters: the name is checked above and quoted.
        await client.query(`create database ${escapeIdentifier(name)}`);
        created.push(name);
      } catch (error) {
        if (!ALREADY_MADE.includes((error as { code?: string }).code ?? '')) throw error;
      }
    }
  } finally {
    await client.end();
  }
  return created;
}
