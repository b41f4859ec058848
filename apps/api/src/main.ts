// First: the tracing SDK must patch modules before the application loads them.
import { tracing } from './instrument';
import { createApp } from './app-factory';
import { NoUsableSigningKey, signingKeyStartupProblems } from '@latchkey/identity';
import { type ApiConfig, readConfig } from './api-config';
import { createLogger, environmentWithDotEnv, InvalidConfiguration } from '@latchkey/platform';

/** Every problem start-up can know of before opening anything, in one message; then exit 1. */
async function checkedConfig(): Promise<ApiConfig> {
  const { config, problems } = readConfig(environmentWithDotEnv());
  problems.push(...(await signingKeyStartupProblems(config.identity, config.platform.isProduction)));
  if (problems.length === 0) return config;
  process.stderr.write(`${new InvalidConfiguration(problems).message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const config = await checkedConfig();
  const { http } = config.platform;
  const logger = createLogger(config.platform.log.level);
  let latchkey;
  try {
    latchkey = await createApp({ config, logger });
  } catch (error) {
    // The database key store is only readable once the database is open: same message shape.
    if (error instanceof NoUsableSigningKey) {
      process.stderr.write(`${new InvalidConfiguration([`signing key: ${error.message}`]).message}\n`);
      process.exit(1);
    }
    throw error;
  }
  await latchkey.app.listen({ host: http.host, port: http.port });
  logger.info(
    {
      url: await latchkey.app.getUrl(),
      database: latchkey.database.driver,
      tracing: tracing ? `${config.platform.observability.tracing.protocol} to an OTLP endpoint` : 'off',
      metricsPort: config.platform.observability.metricsPort ?? 'off',
    },
    'latchkey is listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    // A stuck request must not keep the process alive past the orchestrator's patience.
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, http.shutdownTimeoutMs).unref();
    latchkey
      .close()
      // The spans of the last requests are still in the batch: exported before exiting.
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `latchkey failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
