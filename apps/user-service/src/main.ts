// First: the tracing SDK must patch modules before the application loads them.
import { tracing } from './instrument';
import { createLogger, InvalidConfiguration, readAtStart } from '@latchkey/platform';
import { serveUntilSignalled } from '@latchkey/platform-http';
import { createUserService } from './user-service-factory';
import { readUserServiceConfig } from './user-service-config';

async function main(): Promise<void> {
  const { config, problems } = await readAtStart(readUserServiceConfig);
  if (problems.length > 0) {
    process.stderr.write(`${new InvalidConfiguration(problems).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.platform.log.level);
  const service = await createUserService({ config, logger });
  await serveUntilSignalled({
    app: service.app,
    http: config.platform.http,
    logger,
    close: () => service.close(),
    afterClose: () => tracing?.shutdown(),
    started: { message: 'latchkey user service is listening', fields: { database: service.database.driver } },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `latchkey user service failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
