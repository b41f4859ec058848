import { MIGRATION_PLAN } from '@latchkey/api';
import { openDatabase } from '@latchkey/platform';
import { configAtInit } from '../init';

/**
 * The migrate function, invoked once per release before it takes traffic (by the deployment
 * pipeline, or `pnpm db:migrate` from a machine that reaches the database): the same plan as the
 * monolith's, under its advisory lock, so a second run applies nothing.
 */
export async function migrate(): Promise<{ applied: true; driver: string }> {
  const { config, logger } = await configAtInit();
  const database = await openDatabase(config.platform.database, logger, 'the migrate function');
  try {
    await database.migrate(MIGRATION_PLAN);
    return { applied: true, driver: database.driver };
  } finally {
    await database.close();
  }
}
