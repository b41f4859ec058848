import 'reflect-metadata';
import type { Logger } from 'pino';
import type { Database } from '@latchkey/platform';
import {
  awaitWorkBeforeResponse,
  createLatchkeyProcess,
  type LatchkeyProcess,
} from '@latchkey/platform-http';
import type { Clock } from '@latchkey/shared-kernel';
import { UserServiceModule } from './user-service.module';
import type { UserServiceConfig } from './user-service-config';
import { USER_SERVICE_MIGRATIONS } from './paths';

/** Builds the user service: used by main.ts and by the services target of the black-box suites. */
export function createUserService(options: {
  config: UserServiceConfig;
  logger?: Logger;
  database?: Database;
  clock?: Clock;
}): Promise<LatchkeyProcess> {
  return createLatchkeyProcess({
    config: options.config.platform,
    logger: options.logger,
    database: options.database,
    migrations: USER_SERVICE_MIGRATIONS,
    rootModule: (database) =>
      UserServiceModule.register({ config: options.config, database, clock: options.clock }),
    // Only the gateway and the other service may call: 401 before any route runs otherwise.
    internalCallersOnly: true,
    // A change to a user's claims is pushed to the auth service before the response (ClaimsPush).
    configure: ({ fastify }) => awaitWorkBeforeResponse(fastify),
  });
}
