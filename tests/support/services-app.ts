import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import type { LatchkeyProcess } from '@latchkey/platform-http';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { createAuthService } from '../../apps/auth-service/src/auth-service-factory';
import { loadAuthServiceConfig } from '../../apps/auth-service/src/auth-service-config';
import { AUTH_SERVICE_MIGRATIONS } from '../../apps/auth-service/src/paths';
import { createUserService } from '../../apps/user-service/src/user-service-factory';
import { loadUserServiceConfig } from '../../apps/user-service/src/user-service-config';
import { USER_SERVICE_MIGRATIONS } from '../../apps/user-service/src/paths';
import { createGateway, type Gateway } from '../../apps/gateway/src/gateway-factory';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway-config';
import { type ContractClient, contractClient, testEnvironment } from './test-app';

export const SERVICE_NAMES = ['gateway', 'auth-service', 'user-service'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** An Ed25519 pair per process, and the trust each service is configured with. */
export function internalKeys(): Record<ServiceName, { privatePem: string; publicPem: string }> {
  const pair = () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return {
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  };
  return { gateway: pair(), 'auth-service': pair(), 'user-service': pair() };
}

/** A port nothing listens on now (the services must know each other's URL before they start). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServicesApp {
  gateway: Gateway;
  auth: LatchkeyProcess;
  users: LatchkeyProcess;
  /** The public entry, as a client sees it. */
  api: ContractClient;
  server: Server;
  urls: Record<ServiceName, string>;
  keys: ReturnType<typeof internalKeys>;
  authDb: TestDatabase;
  userDb: TestDatabase;
  clock: TestClock;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The services deployment on this machine, in this process: the auth and user services, each on
 * a fresh database of its own (PostgreSQL or PGlite, see openTestDatabase), and the gateway in
 * front, all listening on loopback ports and calling each other over HTTP as they would apart.
 */
export async function startServicesApp(options: { env?: Record<string, string> } = {}): Promise<ServicesApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-services-'));
  const keys = internalKeys();
  const [gatewayPort, authPort, userPort] = [await freePort(), await freePort(), await freePort()];
  const urls: Record<ServiceName, string> = {
    gateway: `http://127.0.0.1:${gatewayPort}`,
    'auth-service': `http://127.0.0.1:${authPort}`,
    'user-service': `http://127.0.0.1:${userPort}`,
  };
  const trusted = (...names: ServiceName[]) =>
    JSON.stringify(Object.fromEntries(names.map((name) => [name, keys[name].publicPem])));
  const env = testEnvironment(dataDir, {
    AUTH_SERVICE_URL: urls['auth-service'],
    USER_SERVICE_URL: urls['user-service'],
    JWT_ISSUER: urls.gateway,
    ...options.env,
  });
  const envOf = (name: ServiceName, port: number, extra: Record<string, string>) => ({
    ...env,
    PORT: String(port),
    DATA_DIR: path.join(dataDir, name),
    INTERNAL_AUTH_PRIVATE_KEY: keys[name].privatePem,
    ...extra,
  });
  const clock = new TestClock();
  const [authDb, userDb] = await Promise.all([
    openTestDatabase(AUTH_SERVICE_MIGRATIONS),
    openTestDatabase(USER_SERVICE_MIGRATIONS),
  ]);
  // The services believe X-Forwarded-For from the gateway's address only.
  const behindGateway = { TRUST_PROXY: '127.0.0.1' };
  const auth = await createAuthService({
    config: loadAuthServiceConfig(
      envOf('auth-service', authPort, {
        ...behindGateway,
        INTERNAL_AUTH_TRUSTED_KEYS: trusted('gateway', 'user-service'),
      }),
    ),
    database: authDb.database,
    clock,
  });
  const users = await createUserService({
    config: loadUserServiceConfig(
      envOf('user-service', userPort, {
        ...behindGateway,
        INTERNAL_AUTH_TRUSTED_KEYS: trusted('gateway', 'auth-service'),
      }),
    ),
    database: userDb.database,
    clock,
  });
  const gateway = await createGateway({
    config: loadGatewayConfig(envOf('gateway', gatewayPort, { INTERNAL_AUTH_TRUSTED_KEYS: trusted() })),
    clock,
  });
  await auth.app.listen({ host: '127.0.0.1', port: authPort });
  await users.app.listen({ host: '127.0.0.1', port: userPort });
  await gateway.app.listen({ host: '127.0.0.1', port: gatewayPort });
  const server = gateway.app.getHttpServer() as Server;
  return {
    gateway,
    auth,
    users,
    api: contractClient(server),
    server,
    urls,
    keys,
    authDb,
    userDb,
    clock,
    env,
    async close() {
      await gateway.close();
      await users.close();
      await auth.close();
      await Promise.all([authDb.dispose(), userDb.dispose()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
