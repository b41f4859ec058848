import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { VERSION_NEUTRAL, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module';
import type { ApiConfig } from './api-config';
import { createLogger, type Database, openDatabase, PinoNestLogger } from '@latchkey/platform';
import {
  API_VERSION,
  clientErrorHandler,
  configureHttpPipeline,
  createValidationPipe,
  ErrorResponseFilter,
  onFrameworkError,
  OpenApiSpec,
  REQUEST_ID_HEADER,
  requestIdFrom,
  RouteCatalog,
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

export interface LatchkeyApp {
  app: NestFastifyApplication;
  fastify: FastifyInstance;
  database: Database;
  routes: RouteCatalog;
  /** Stops accepting, lets in-flight requests finish, then closes the database if we opened it. */
  close(): Promise<void>;
}

/** Builds the whole application: used by main.ts and by every black-box test. */
export async function createApp(options: CreateAppOptions): Promise<LatchkeyApp> {
  const config = options.config.platform;
  const logger = options.logger ?? createLogger(config.log.level);
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await openDatabase(config.database, logger));
  if (ownsDatabase && config.database.migrateOnStart) await database.migrate(MIGRATION_PLAN);

  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    // One access line per request is written by the pipeline's onResponse hook instead.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // Requests arriving while the server closes get the ErrorResponse 503 of the pipeline's
    // onRequest hook, not Fastify's own body.
    return503OnClosing: false,
    // What Fastify and Node refuse before any route: answered as ErrorResponses too.
    frameworkErrors: onFrameworkError,
    clientErrorHandler: clientErrorHandler(logger),
    // Whether X-Forwarded-For names the client (TRUST_PROXY); off, request.ip is the socket peer.
    trustProxy: config.http.trustProxy,
  });
  const routes = new RouteCatalog();
  routes.attach(adapter.getInstance() as unknown as FastifyInstance);

  const spec = OpenApiSpec.load(OPENAPI_SPEC_FILE);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register({
      config: options.config,
      database,
      spec,
      clock: options.clock,
      modules: options.modules,
      extraModules: options.extraModules,
    }),
    adapter,
    // bodyParser: false keeps Nest from adding a urlencoded parser: JSON (Fastify's own) is the only body.
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false },
  );
  // Every route is served under /v1 and, as an alias of v1, unversioned (docs/architecture.md,
  // "API versions"); controllers that verifiers and probes expect at a fixed path (/jwks,
  // /health, /openapi.yaml) declare themselves VERSION_NEUTRAL and are served unversioned only.
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: [API_VERSION, VERSION_NEUTRAL] });
  await configureHttpPipeline(app, config);
  if (config.mail.devPages) {
    serveDevAccountPages(adapter.getInstance() as unknown as FastifyInstance, routes, config.mail);
    logger.info(
      {
        verifyEmail: `${config.mail.appBaseUrl}${config.mail.verifyEmailPath}`,
        passwordReset: `${config.mail.appBaseUrl}${config.mail.passwordResetPath}`,
      },
      'APP_BASE_URL is not set: the links in emails open development pages served by this API; set APP_BASE_URL to your web app',
    );
  }
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorResponseFilter());
  SwaggerModule.setup('docs', app, spec.document as never, {
    raw: false,
    ui: true,
    customSiteTitle: 'Latchkey API',
  });

  await app.init();
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await fastify.ready();

  return {
    app,
    fastify,
    database,
    routes,
    async close() {
      await app.close();
      if (ownsDatabase) await database.close();
    },
  };
}
