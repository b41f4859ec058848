// First: the tracing SDK must patch modules before the application loads them.
import { tracing } from './instrument';
import { createLogger, InvalidConfiguration, readAtStart } from '@latchkey/platform';
import { serveUntilSignalled } from '@latchkey/platform-http';
import { createGateway } from './gateway-factory';
import { readGatewayConfig } from './gateway-config';

async function main(): Promise<void> {
  const { config, problems } = await readAtStart(readGatewayConfig);
  if (problems.length > 0) {
    process.stderr.write(`${new InvalidConfiguration(problems).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.platform.log.level);
  const gateway = await createGateway({ config, logger });
  await serveUntilSignalled({
    app: gateway.app,
    http: config.platform.http,
    logger,
    close: () => gateway.close(),
    afterClose: () => tracing?.shutdown(),
    started: {
      message: 'latchkey gateway is listening',
      fields: { authService: config.links.authServiceUrl, userService: config.links.userServiceUrl },
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `latchkey gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
