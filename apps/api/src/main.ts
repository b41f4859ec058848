// First: the tracing SDK must patch modules before the application loads them.
import { tracing } from './instrument';
import { createApp } from './app-factory';
import { NoUsableSigningKey, signingKeyStartupProblems } from '@latchkey/identity';
import { type ApiConfig, readConfig } from './api-config';
import { createLogger, InvalidConfiguration, readAtStart } from '@latchkey/platform';
import { serveUntilSignalled } from '@latchkey/platform-http';

/** Every problem start-up can know of before opening anything, in one message; then exit 1. */
async function checkedConfig(): Promise<ApiConfig> {
  const { config, problems } = await readAtStart(readConfig);
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
  await serveUntilSignalled({
    app: latchkey.app,
    http,
    logger,
    close: () => latchkey.close(),
    afterClose: () => tracing?.shutdown(),
    started: {
      message: 'latchkey is listening',
      fields: {
        database: latchkey.database.driver,
        tracing: tracing ? `${config.platform.observability.tracing.protocol} to an OTLP endpoint` : 'off',
        metricsPort: config.platform.observability.metricsPort ?? 'off',
      },
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `latchkey failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
