import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type LatchkeyApp } from '../../apps/api/src/app-factory';
import { DeferredWork } from '@latchkey/platform';
import { OutboxDispatcher } from '@latchkey/platform-messaging';
import { type ApiConfig, loadConfig } from '../../apps/api/src/api-config';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { TestClock } from '@latchkey/shared-kernel/testing';
import {
  API_VERSION_PREFIX,
  type RegisteredRoute,
  type RouteCatalog,
  type Upstream,
} from '@latchkey/platform-http';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';
import { AUTH_SERVICE_MIGRATIONS } from '../../apps/auth-service/src/paths';
import { USER_SERVICE_MIGRATIONS } from '../../apps/user-service/src/paths';
import { type ContractClient, contractClient } from './contract-client';
import { type ServerlessApp, startServerlessApp } from './serverless-app';
import { type ServicesApp, startServicesApp } from './services-app';
import { testEnvironment } from './test-environment';

export { contract, type ContractClient, contractClient, toContractResponse } from './contract-client';

export interface TestApp {
  latchkey: LatchkeyApp;
  api: ContractClient;
  server: Server;
  db: TestDatabase;
  clock: TestClock;
  dataDir: string;
  /** The environment the app was configured from (an in-process CLI loads the same). */
  env: Record<string, string>;
  /** Waits for background work, then runs a pass over the email outbox and waits for it. */
  flushMail(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Share one database between apps (two instances); otherwise each app gets its own. */
  db?: TestDatabase;
  extraModules?: Parameters<typeof createApp>[0]['extraModules'];
  /** The business modules to host instead of the monolith's two (a module booted alone). */
  modules?: (config: ApiConfig) => NonNullable<Parameters<typeof createApp>[0]['modules']>;
  /** Share one clock between instances (as real instances share wall-clock time). */
  clock?: TestClock;
  /** A logger of the test's own (e.g. one writing to a buffer the test reads). */
  logger?: Parameters<typeof createApp>[0]['logger'];
}

export { describeEmbeddedOnly, testEnvironment } from './test-environment';

/** Waits for background work, then runs a pass over the email outbox and waits for it. */
async function flushMailOf(process: LatchkeyApp): Promise<void> {
  await process.app.get(DeferredWork).idle();
  const dispatcher = process.app.get(OutboxDispatcher);
  await dispatcher.idle();
  dispatcher.nudge();
  await dispatcher.idle();
}

/** Boots the real application on a fresh database (Postgres or PGlite, see openTestDatabase). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // A suite that composes modules of its own tests the composition, which is the monolith's.
  if (testTarget() === 'services' && !options.modules && !options.extraModules)
    return startServicesTestApp(options);
  if (testTarget() === 'serverless' && !options.modules && !options.extraModules)
    return startServerlessTestApp(options);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-test-'));
  const env = testEnvironment(dataDir, options.env);
  const config = loadConfig(env);
  const db = options.db ?? (await openTestDatabase(MIGRATION_PLAN));
  const clock = options.clock ?? new TestClock();
  const latchkey = await createApp({
    config,
    database: db.database,
    clock,
    modules: options.modules?.(config),
    extraModules: options.extraModules,
    logger: options.logger,
  });
  const server = latchkey.app.getHttpServer() as Server;
  return {
    latchkey,
    api: contractClient(server),
    server,
    db,
    clock,
    dataDir,
    env,
    flushMail: () => flushMailOf(latchkey),
    async close() {
      await latchkey.close();
      if (!options.db) await db.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Which deployment the black-box suites run against: TEST_TARGET=services or serverless, or the monolith. */
export function testTarget(): 'monolith' | 'services' | 'serverless' {
  const target = process.env.TEST_TARGET;
  return target === 'services' || target === 'serverless' ? target : 'monolith';
}

/**
 * The serverless deployment as a suite's TestApp: the client talks to the local harness (API
 * Gateway and Lambda); `latchkey` is the execution environment made first, which serves every
 * request of a suite that sends one at a time (a suite's concurrent requests start others).
 */
export async function startServerlessTestApp(
  options: TestAppOptions & { maxEnvironments?: number },
): Promise<TestApp & { serverless: ServerlessApp }> {
  const serverless = await startServerlessApp({
    maxEnvironments: options.maxEnvironments,
    env: options.env,
    db: options.db,
    clock: options.clock,
    logger: options.logger,
  });
  const { first, server } = serverless;
  // What a client meets is the harness: listening and the HTTP server are its.
  const harnessFacing: Record<PropertyKey, unknown> = {
    listen: (port: number | { port?: number; host?: string }, host?: string) =>
      new Promise<void>((resolve) =>
        typeof port === 'object'
          ? server.listen(port.port ?? 0, port.host ?? '127.0.0.1', resolve)
          : server.listen(port, host ?? '127.0.0.1', resolve),
      ),
    getUrl: () => Promise.resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    getHttpServer: () => server,
  };
  return {
    serverless,
    latchkey: {
      ...first.latchkey,
      app: new Proxy(first.latchkey.app, {
        get: (target, property, receiver) =>
          property in harnessFacing ? harnessFacing[property] : Reflect.get(target, property, receiver),
      }),
    },
    api: contractClient(serverless.server),
    server: serverless.server,
    db: serverless.db,
    clock: serverless.clock,
    dataDir: serverless.dataDir,
    env: serverless.env,
    // Every invocation's after-response work (in whichever environment it ran), then the relay.
    flushMail: async () => {
      await serverless.pool.quiescent();
      await flushMailOf(first.latchkey);
    },
    close: () => serverless.close(),
  };
}

/**
 * The services deployment as a suite's TestApp: the client talks to the gateway; `latchkey` is
 * the auth service (which sends the mail); both services share one fresh database (disjoint tables,
 * each migrated by its own plan) so a suite's direct reads find every table, as in the monolith.
 */
/** Whether the gateway sends `path` to a service (it is one of an upstream's prefixes or below one). */
function routedByGateway(upstreams: Upstream[], path: string): boolean {
  return upstreams.some((upstream) =>
    upstream.prefixes.some((prefix) =>
      [prefix, `${API_VERSION_PREFIX}${prefix}`].some((root) => path === root || path.startsWith(`${root}/`)),
    ),
  );
}

/**
 * The services deployment's public surface, as the parity suite compares it with the contract:
 * the gateway's own routes (probes, the contract, development pages) and each service's routes
 * the gateway routes to it (a service's probes and internal API are not reachable through it).
 */
export function publicRoutes(services: ServicesApp): RegisteredRoute[] {
  const { upstreams } = services.gateway;
  const own = services.gateway.routes.list().filter((route) => !routedByGateway(upstreams, route.path));
  const behind = [services.auth, services.users].flatMap((service) =>
    service.routes.list().filter((route) => routedByGateway(upstreams, route.path)),
  );
  return [...new Map([...own, ...behind].map((route) => [`${route.method} ${route.path}`, route])).values()];
}

/** What a suite reaches as `app.latchkey.app` and the gateway answers for a client. */
const GATEWAY_FACING = new Set<PropertyKey>([
  'listen',
  'getUrl',
  'getHttpServer',
  'getHttpAdapter',
  'inject',
]);

export async function startServicesTestApp(
  options: TestAppOptions,
): Promise<TestApp & { services: ServicesApp }> {
  const db =
    options.db ??
    (await openTestDatabase({
      streams: [...AUTH_SERVICE_MIGRATIONS.streams, ...USER_SERVICE_MIGRATIONS.streams].filter(
        (stream, index, all) => all.findIndex((other) => other.name === stream.name) === index,
      ),
    }));
  const services = await startServicesApp({
    env: options.env,
    database: db,
    clock: options.clock,
    logger: options.logger,
  });
  return {
    services,
    // The auth service (its container: keys, mail, sessions), except for what a client meets:
    // listening, the HTTP server and the routes are the gateway's public surface.
    latchkey: {
      ...services.auth,
      fastify: services.gateway.fastify,
      routes: { list: () => publicRoutes(services) } as unknown as RouteCatalog,
      app: new Proxy(services.auth.app, {
        get: (target, property, receiver) =>
          GATEWAY_FACING.has(property)
            ? (Reflect.get(services.gateway.app, property) as (...args: unknown[]) => unknown).bind(
                services.gateway.app,
              )
            : Reflect.get(target, property, receiver),
      }),
    },
    api: services.api,
    server: services.server,
    db,
    clock: services.clock,
    // Where the auth service keeps its keys and secrets, which suites read as the monolith's.
    dataDir: path.join(services.dataDir, 'auth-service'),
    // The auth service's own: an operator command (the CLI) reads its keys and secrets.
    env: services.authEnv,
    flushMail: () => flushMailOf(services.auth),
    async close() {
      await services.close();
      if (!options.db) await db.dispose();
    },
  };
}
