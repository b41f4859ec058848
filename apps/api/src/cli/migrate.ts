import { loadConfig } from '../api-config';
import { createLogger, environmentAtStart, openDatabase } from '@latchkey/platform';
import { MIGRATION_PLAN } from '../paths';
import { type CliIo, type CliOverrides, processIo, runCommand } from './cli-context';

const USAGE = 'usage: pnpm db:migrate   (applies pending migrations to DATABASE_URL, or the embedded PGlite)';

/**
 * `pnpm db:migrate`: applies the committed migrations that have not run yet, under an advisory
 * lock (safe while instances start). Running it again applies nothing.
 */
export async function runMigrateCli(io: CliIo = processIo, overrides: CliOverrides = {}): Promise<number> {
  return runCommand(io, USAGE, async () => {
    const config = loadConfig(overrides.env ?? (await environmentAtStart())).platform;
    const database =
      overrides.database ?? (await openDatabase(config.database, createLogger('warn'), 'pnpm db:migrate'));
    try {
      await database.migrate(MIGRATION_PLAN);
      io.out(`migrations applied (${database.driver})`);
    } finally {
      if (!overrides.database) await database.close();
    }
  });
}

if (require.main === module) {
  void runMigrateCli().then((code) => process.exit(code));
}
