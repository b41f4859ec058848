// First: the tracing SDK must patch modules before the application loads them.
import { tracing } from './instrument';
import { NoUsableSigningKey, signingKeyStartupProblems } from '@latchkey/identity';
import { createLogger, InvalidConfiguration, readAtStart } from '@latchkey/platform';
import { serveUntilSignalled } from '@latchkey/platform-http';
import { createAuthService } from './auth-service-factory';
import { type AuthServiceConfig, readAuthServiceConfig } from './auth-service-config';

function refuse(problems: string[]): never {
  process.stderr.write(`${new InvalidConfiguration(problems).message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { config, problems } = await readAtStart(readAuthServiceConfig);
  problems.push(...(await signingKeyStartupProblems(config.identity, config.platform.isProduction)));
  if (problems.length > 0) refuse(problems);
  const checked: AuthServiceConfig = config;
  const logger = createLogger(checked.platform.log.level);
  let service;
  try {
    service = await createAuthService({ config: checked, logger });
  } catch (error) {
    if (error instanceof NoUsableSigningKey) refuse([`signing key: ${error.message}`]);
    throw error;
  }
  await serveUntilSignalled({
    app: service.app,
    http: checked.platform.http,
    logger,
    close: () => service.close(),
    afterClose: () => tracing?.shutdown(),
    started: { message: 'latchkey auth service is listening', fields: { database: service.database.driver } },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `latchkey auth service failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
