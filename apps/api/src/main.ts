import { createApp } from './app-factory';
import { environmentWithDotEnv, InvalidConfiguration, loadConfig } from './platform/config/app-config';
import { createLogger } from './platform/logging/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(environmentWithDotEnv());
  } catch (error) {
    if (error instanceof InvalidConfiguration) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger(config.log.level);
  const latchkey = await createApp({ config, logger });
  await latchkey.app.listen({ host: config.http.host, port: config.http.port });
  logger.info(
    { url: await latchkey.app.getUrl(), database: latchkey.database.driver },
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
    }, config.http.shutdownTimeoutMs).unref();
    latchkey.close().then(
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
