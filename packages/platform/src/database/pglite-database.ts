import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { CHANNEL_NAME, Database, type Db } from './database';
import { EmbeddedDataLock } from './embedded-data-lock';
import { MIGRATIONS_SCHEMA } from './migration-plan';

/** Embedded PostgreSQL (PGlite, WebAssembly) for development and tests: loaded only when used. */
export class PgliteDatabase extends Database {
  private constructor(
    private readonly client: PGlite,
    private readonly lock: EmbeddedDataLock | undefined,
  ) {
    // One connection inside this process: nothing to gain from naming statements.
    super(drizzlePglite({ client }) as unknown as Db, 'pglite', false);
  }

  protected async runStatement<Row>(
    _name: string | undefined,
    text: string,
    values: unknown[],
  ): Promise<Row[]> {
    return (await this.client.query<Row>(text, values)).rows;
  }

  /**
   * `dataDir` undefined: in memory (tests). PGlite has one connection; it serialises transactions.
   * A directory is claimed for this process first (`holder` names it to whoever is refused).
   */
  static async open(dataDir: string | undefined, holder = 'the Latchkey API'): Promise<PgliteDatabase> {
    if (!dataDir) return new PgliteDatabase(await PGlite.create('memory://'), undefined);
    // The data holds password and token hashes: owner-only, like the keys and secrets beside it.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const lock = EmbeddedDataLock.acquire(dataDir, `${dataDir}.lock`, holder);
    try {
      return new PgliteDatabase(await PGlite.create(dataDir), lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async listen(channel: string, onNotify: (payload?: string) => void): Promise<() => Promise<void>> {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
    const unlisten = await this.client.listen(channel, (payload) => onNotify(payload));
    return async () => {
      if (!this.client.closed) await unlisten();
    };
  }

  /** One connection, one process (the data directory's lock): nobody to migrate alongside. */
  protected whileMigrating(work: () => Promise<void>): Promise<void> {
    return work();
  }

  protected async runMigrator(migrationsFolder: string, migrationsTable: string): Promise<void> {
    await migratePglite(this.root as never, {
      migrationsFolder,
      migrationsTable,
      migrationsSchema: MIGRATIONS_SCHEMA,
    });
  }

  async close(): Promise<void> {
    try {
      if (!this.client.closed) await this.client.close();
    } finally {
      this.lock?.release();
    }
  }
}
