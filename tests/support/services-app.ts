import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import path from 'node:path';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { EnvReader } from '@latchkey/platform';
import { InternalTokenIssuer, type LatchkeyProcess, readInternalAuthConfig } from '@latchkey/platform-http';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { createAuthService } from '../../apps/auth-service/src/auth-service-factory';
import { loadAuthServiceConfig } from '../../apps/auth-service/src/auth-service-config';
import { AUTH_SERVICE_MIGRATIONS } from '../../apps/auth-service/src/paths';
import { createUserService } from '../../apps/user-service/src/user-service-factory';
import { loadUserServiceConfig } from '../../apps/user-service/src/user-service-config';
import { USER_SERVICE_MIGRATIONS } from '../../apps/user-service/src/paths';
import { createGateway, type Gateway } from '../../apps/gateway/src/gateway-factory';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway-config';
import { publishingTo, testExchange } from './event-sink';
import { type ContractClient, contractClient } from './contract-client';
import { freePort } from './processes';
import { testEnvironment } from './test-environment';

export const SERVICE_NAMES = ['gateway', 'auth-service', 'user-service'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Each pair's secret, by `<a>+<b>`. */
type InternalKeys = Record<string, string>;
// The keys and who shares one with whom, as `pnpm start:services` and the compose stack make them,
// so the suites run on the very table of who may call whom.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the script is plain CommonJS
const { ensureInternalKeys, internalKeysOf } = require('../../scripts/internal-keys.cjs') as {
  ensureInternalKeys(dir: string): InternalKeys;
  internalKeysOf(keys: InternalKeys, name: ServiceName): string;
};

export interface ServicesApp {
  gateway: Gateway;
  auth: LatchkeyProcess;
  users: LatchkeyProcess;
  /** Starts a new user service on the same database and port (after a test stopped `users`). */
  restartUsers(): Promise<void>;
  /** The public entry, as a client sees it. */
  api: ContractClient;
  server: Server;
  /** Where the services listen (reached directly, a test plays a stranger bypassing the gateway). */
  urls: Record<Exclude<ServiceName, 'gateway'>, string>;
  /** Makes internal tokens as `name` does, with its keys (a test plays a trusted peer). */
  issuerAs(name: ServiceName): InternalTokenIssuer;
  authDb: TestDatabase;
  userDb: TestDatabase;
  clock: TestClock;
  env: Record<string, string>;
  /** The auth service's environment (its DATA_DIR: keys and secrets). */
  authEnv: Record<string, string>;
  /** The user service's environment (an in-process `pnpm services:users` loads the same). */
  userEnv: Record<string, string>;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The services deployment on this machine, in this process: the auth and user services, each on
 * a fresh database of its own (PostgreSQL or PGlite, see openTestDatabase), and the gateway in
 * front, all listening on loopback ports and calling each other over HTTP as they would apart.
 */
export async function startServicesApp(
  options: {
    env?: Record<string, string>;
    /** One database for both services (the black-box suites read tables); otherwise one each. */
    database?: TestDatabase;
    clock?: TestClock;
    logger?: Logger;
  } = {},
): Promise<ServicesApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-services-'));
  const keys = ensureInternalKeys(path.join(dataDir, 'internal-keys'));
  const [authPort, userPort] = [await freePort(), await freePort()];
  const urls: Record<Exclude<ServiceName, 'gateway'>, string> = {
    'auth-service': `http://127.0.0.1:${authPort}`,
    'user-service': `http://127.0.0.1:${userPort}`,
  };
  const env = testEnvironment(dataDir, {
    // The user service's events feed the auth service's claims projection, and identity's feed
    // the user service's profiles: a broker, on an exchange of this deployment's own.
    ...publishingTo(testExchange(), 50),
    AUTH_SERVICE_URL: urls['auth-service'],
    USER_SERVICE_URL: urls['user-service'],
    // What the monolith's suites see (its default for PORT 3000): the public issuer is the
    // gateway's, set alike for every process.
    JWT_ISSUER: 'http://localhost:3000',
    ...options.env,
  });
  const envOf = (name: ServiceName, port: number, extra: Record<string, string>) => ({
    ...env,
    PORT: String(port),
    // A suite's DATA_DIR is the auth service's (keys and secrets, as a TestApp's dataDir is): a
    // second deployment on the same database shares them, as a second monolith would.
    DATA_DIR:
      name === 'auth-service' && options.env?.DATA_DIR ? options.env.DATA_DIR : path.join(dataDir, name),
    INTERNAL_AUTH_KEYS: internalKeysOf(keys, name),
    ...extra,
  });
  const clock = options.clock ?? new TestClock();
  const [authDb, userDb] = options.database
    ? [options.database, options.database]
    : await Promise.all([
        openTestDatabase(AUTH_SERVICE_MIGRATIONS),
        openTestDatabase(USER_SERVICE_MIGRATIONS),
      ]);
  // The services believe X-Forwarded-For from the gateway's address only.
  const behindGateway = { TRUST_PROXY: '127.0.0.1' };
  const authEnv = envOf('auth-service', authPort, behindGateway);
  const auth = await createAuthService({
    config: loadAuthServiceConfig(authEnv),
    database: authDb.database,
    clock,
    logger: options.logger,
  });
  const userEnv = envOf('user-service', userPort, behindGateway);
  const userConfig = loadUserServiceConfig(userEnv);
  const startUsers = () =>
    createUserService({ config: userConfig, database: userDb.database, clock, logger: options.logger });
  const users = await startUsers();
  const gateway = await createGateway({
    config: loadGatewayConfig(envOf('gateway', 3000, {})),
    clock,
    logger: options.logger,
  });
  await auth.app.listen({ host: '127.0.0.1', port: authPort });
  await users.app.listen({ host: '127.0.0.1', port: userPort });
  // The gateway is not listening: a suite's client (supertest) binds its server as the
  // monolith's, and a suite that listens itself can.
  const server = gateway.app.getHttpServer() as Server;
  const app: ServicesApp = {
    gateway,
    auth,
    users,
    async restartUsers() {
      app.users = await startUsers();
      await app.users.app.listen({ host: '127.0.0.1', port: userPort });
    },
    api: contractClient(server),
    server,
    urls,
    issuerAs: (name) => {
      // Read as the process itself reads them.
      const read = new EnvReader({ INTERNAL_AUTH_KEYS: internalKeysOf(keys, name) });
      return new InternalTokenIssuer(name, readInternalAuthConfig(read, []).peerKeys, clock);
    },
    authDb,
    userDb,
    clock,
    env,
    authEnv,
    userEnv,
    dataDir,
    async close() {
      await gateway.close();
      await app.users.close().catch(() => undefined); // a test may have stopped it
      await auth.close();
      if (!options.database) await Promise.all([authDb.dispose(), userDb.dispose()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return app;
}
