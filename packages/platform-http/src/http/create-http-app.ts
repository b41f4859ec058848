import type { IncomingMessage } from 'node:http';
import { type DynamicModule, VERSION_NEUTRAL, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import {
  type AppConfig,
  createLogger,
  type Database,
  type MigrationPlan,
  openDatabase,
  PinoNestLogger,
} from '@latchkey/platform';
import { requireInternalCallers } from '../internal-auth/internal-callers-only';
import { InternalTokenVerifier } from '../internal-auth/internal-tokens';
import { clientErrorHandler, onFrameworkError } from '../errors/framework-errors';
import { ErrorResponseFilter } from '../errors/error-response.filter';
import { createValidationPipe } from '../errors/validation';
import { RouteCatalog } from '../openapi/route-catalog';
import { API_VERSION } from './api-version';
import { configureHttpPipeline } from './http-pipeline';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

export interface HttpApp {
  app: NestFastifyApplication;
  fastify: FastifyInstance;
  routes: RouteCatalog;
}

/**
 * A Latchkey HTTP process around `rootModule`, whichever deployment it belongs to (the monolith,
 * a service, the gateway): Fastify with the platform's request ids, access log, error bodies,
 * body limit and proxy trust; the shared pipeline (security headers, CORS, tracing, JSON only);
 * versioned routes; validation and the ErrorResponse filter. `configure` adds what only that
 * deployment serves, before the application initialises.
 */
export async function createHttpApp(options: {
  config: AppConfig;
  logger: Logger;
  rootModule: DynamicModule;
  configure?: (http: HttpApp) => void | Promise<void>;
}): Promise<HttpApp> {
  const { config, logger } = options;
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

  const app = await NestFactory.create<NestFastifyApplication>(
    options.rootModule,
    adapter,
    // bodyParser: false keeps Nest from adding a urlencoded parser: JSON (Fastify's own) is the only body.
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false },
  );
  // Every route is served under /v1 and, as an alias of v1, unversioned (docs/architecture.md,
  // "API versions"); controllers that verifiers and probes expect at a fixed path (/jwks,
  // /health, /openapi.yaml) declare themselves VERSION_NEUTRAL and are served unversioned only.
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: [API_VERSION, VERSION_NEUTRAL] });
  await configureHttpPipeline(app, config);
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  await options.configure?.({ app, fastify, routes });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorResponseFilter());
  await app.init();
  await fastify.ready();
  return { app, fastify, routes };
}

export interface LatchkeyProcess extends HttpApp {
  database: Database;
  /** Stops accepting, lets in-flight requests finish, then closes the database if it opened it. */
  close(): Promise<void>;
}

/**
 * A deployment's process over its database: opened (and migrated with the deployment's plan,
 * DB_MIGRATE_ON_START) from config unless a test supplies one; then `createHttpApp`. A service of
 * the services deployment sets `internalCallersOnly`: every request but the health probes must
 * carry an internal token (requireInternalCallers), checked before any route runs.
 */
export async function createLatchkeyProcess(options: {
  config: AppConfig;
  logger?: Logger;
  database?: Database;
  migrations: MigrationPlan;
  rootModule: (database: Database) => DynamicModule;
  internalCallersOnly?: boolean;
  configure?: (http: HttpApp) => void | Promise<void>;
}): Promise<LatchkeyProcess> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.log.level);
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await openDatabase(config.database, logger));
  if (ownsDatabase && config.database.migrateOnStart) await database.migrate(options.migrations);
  const http = await createHttpApp({
    config,
    logger,
    rootModule: options.rootModule(database),
    configure: async (created) => {
      if (options.internalCallersOnly)
        requireInternalCallers(created.fastify, created.app.get(InternalTokenVerifier));
      await options.configure?.(created);
    },
  });
  return {
    ...http,
    database,
    async close() {
      await http.app.close();
      if (ownsDatabase) await database.close();
    },
  };
}
