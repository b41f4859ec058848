import { MIGRATION_PLAN } from '@latchkey/api';
import { openDatabase } from '@latchkey/platform';
import { configAtInit } from '../init';
import { LambdaEnvironment } from '../lambda-environment';
import { EnvironmentPool } from './environment-pool';
import { createLocalHarness } from './local-harness';

/**
 * `pnpm serverless:local`: the HTTP function as API Gateway and Lambda would run it, on PORT, from
 * the monolith's variables. Migrations run first, as the migrate function does before a release.
 * Each execution environment opens its own pool on DATABASE_URL; without one, they share the
 * embedded PGlite in DATA_DIR (one process may hold it). SERVERLESS_LOCAL_FRESH=true makes a new
 * environment for every request (a cold start each); SERVERLESS_LOCAL_MAX_ENVIRONMENTS caps them.
 */
async function main(): Promise<void> {
  const { config, logger } = await configAtInit().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
  const { database: databaseConfig, http } = config.platform;
  const migrator = await openDatabase(databaseConfig, logger, 'pnpm serverless:local');
  await migrator.migrate(MIGRATION_PLAN);
  const shared = databaseConfig.url ? undefined : migrator;
  if (!shared) await migrator.close();

  const pool = new EnvironmentPool({
    create: () => LambdaEnvironment.create({ config, logger, database: shared }),
    fresh: process.env.SERVERLESS_LOCAL_FRESH === 'true',
    maxEnvironments: Number(process.env.SERVERLESS_LOCAL_MAX_ENVIRONMENTS ?? 8),
  });
  await pool.warm();
  const server = createLocalHarness(pool, logger);
  await new Promise<void>((resolve) => server.listen(http.port, http.host, resolve));
  logger.info(
    {
      url: `http://${http.host}:${http.port}`,
      database: shared ? 'pglite (shared)' : 'postgres (a pool per environment)',
    },
    'latchkey (serverless, local harness) is listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight invocations');
    setTimeout(() => process.exit(1), http.shutdownTimeoutMs).unref();
    server.close();
    void pool
      .close()
      .then(() => shared?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
