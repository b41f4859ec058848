import { readMigrationFiles } from 'drizzle-orm/migrator';

/** One package's migrations: its folder, and its own table recording which of them ran. */
export interface MigrationStream {
  /** The owning package (`identity`): names the history table. */
  name: string;
  folder: string;
}

/**
 * What a deployment applies, in order: the streams of the packages it hosts. `legacyFolder` is
 * the single stream every database created before the packages owned their migrations was
 * migrated with (frozen): such a database finishes it, then each stream's first migration (its
 * baseline, the tables that history already made) is recorded as applied instead of run.
 */
export interface MigrationPlan {
  streams: readonly MigrationStream[];
  legacyFolder?: string;
}

export const MIGRATIONS_SCHEMA = 'drizzle';
export const LEGACY_HISTORY_TABLE = '__drizzle_migrations';

export function historyTableOf(stream: MigrationStream): string {
  if (!/^[a-z][a-z0-9-]*$/.test(stream.name)) throw new Error(`not a stream name: ${stream.name}`);
  return `${LEGACY_HISTORY_TABLE}_${stream.name.replace(/-/g, '_')}`;
}

/** The stream's first migration, as drizzle's migrator records it (hash of the file, its `when`). */
export function baselineOf(stream: MigrationStream): { hash: string; folderMillis: number } {
  const [baseline] = readMigrationFiles({ migrationsFolder: stream.folder });
  if (!baseline) throw new Error(`${stream.folder} holds no migration`);
  return { hash: baseline.hash, folderMillis: baseline.folderMillis };
}
