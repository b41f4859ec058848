import { environmentWithDotEnv, InvalidConfiguration, loadConfig } from '../platform/config/app-config';
import { openDatabase } from '../platform/database/database';
import { createLogger } from '../platform/logging/logger';

/** `pnpm db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded PGlite). */
async function migrate(): Promise<void> {
  const config = loadConfig(environmentWithDotEnv());
  const logger = createLogger(config.log.level);
  const database = await openDatabase(config.database, logger);
  try {
    await database.migrate();
    logger.info({ database: database.driver }, 'migrations applied');
  } finally {
    await database.close();
  }
}

migrate().catch((error: unknown) => {
  const message =
    error instanceof InvalidConfiguration || error instanceof Error ? error.message : String(error);
  process.stderr.write(`migration failed: ${message}\n`);
  process.exit(1);
});
