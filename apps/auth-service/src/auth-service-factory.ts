import 'reflect-metadata';
import type { Logger } from 'pino';
import type { Database } from '@latchkey/platform';
import { createLatchkeyProcess, type LatchkeyProcess } from '@latchkey/platform-http';
import type { Clock } from '@latchkey/shared-kernel';
import { AuthServiceModule } from './auth-service.module';
import type { AuthServiceConfig } from './auth-service-config';
import { AUTH_SERVICE_MIGRATIONS } from './paths';

/** Builds the auth service: used by main.ts and by the services target of the black-box suites. */
export function createAuthService(options: {
  config: AuthServiceConfig;
  logger?: Logger;
  database?: Database;
  clock?: Clock;
}): Promise<LatchkeyProcess> {
  return createLatchkeyProcess({
    config: options.config.platform,
    logger: options.logger,
    database: options.database,
    migrations: AUTH_SERVICE_MIGRATIONS,
    rootModule: (database) =>
      AuthServiceModule.register({ config: options.config, database, clock: options.clock }),
    // Only the gateway and the other service may call: 401 before any route runs otherwise.
    internalCallersOnly: true,
  });
}
