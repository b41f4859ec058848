import 'reflect-metadata';
import { SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module';
import type { ApiConfig } from './api-config';
import { createLogger, type Database } from '@latchkey/platform';
import {
  createLatchkeyProcess,
  type LatchkeyProcess,
  OpenApiSpec,
  serveDevAccountPages,
} from '@latchkey/platform-http';
import { MIGRATION_PLAN, OPENAPI_SPEC_FILE } from './paths';
import type { Clock } from '@latchkey/shared-kernel';

export interface CreateAppOptions {
  config: ApiConfig;
  logger?: Logger;
  /** Supplied by tests that own the database; otherwise opened (and migrated) from config. */
  database?: Database;
  clock?: Clock;
  modules?: AppModuleOptions['modules'];
  extraModules?: AppModuleOptions['extraModules'];
}

export type LatchkeyApp = LatchkeyProcess;

/** Builds the whole application: used by main.ts and by every black-box test. */
export async function createApp(options: CreateAppOptions): Promise<LatchkeyApp> {
  const config = options.config.platform;
  const logger = options.logger ?? createLogger(config.log.level);
  const spec = OpenApiSpec.load(OPENAPI_SPEC_FILE);
  return createLatchkeyProcess({
    config,
    logger,
    database: options.database,
    migrations: MIGRATION_PLAN,
    rootModule: (database) =>
      AppModule.register({
        config: options.config,
        database,
        spec,
        clock: options.clock,
        modules: options.modules,
        extraModules: options.extraModules,
      }),
    configure: ({ app, fastify, routes }) => {
      if (config.mail.devPages) {
        serveDevAccountPages(fastify, routes, config.mail);
        logger.info(
          {
            verifyEmail: `${config.mail.appBaseUrl}${config.mail.verifyEmailPath}`,
            passwordReset: `${config.mail.appBaseUrl}${config.mail.passwordResetPath}`,
          },
          'APP_BASE_URL is not set: the links in emails open development pages served by this API; set APP_BASE_URL to your web app',
        );
      }
      SwaggerModule.setup('docs', app, spec.document as never, {
        raw: false,
        ui: true,
        customSiteTitle: 'Latchkey API',
      });
    },
  });
}
