import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import request from 'supertest';
import { createApp, type LatchkeyApp } from '../../apps/api/src/app-factory';
import { DeferredWork } from '@latchkey/platform';
import { OutboxDispatcher } from '@latchkey/platform-messaging';
import { type ApiConfig, loadConfig } from '../../apps/api/src/api-config';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { Contract, type ContractResponse } from './contract';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';
import { startServicesTestApp, testTarget } from './services-app';

export const contract = new Contract();

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * supertest against the real app, with one addition: every response is checked against
 * docs/openapi.yaml (status documented, required headers, content type, body schema, traceId).
 */
export interface ContractClient {
  get(url: string): request.Test;
  post(url: string): request.Test;
  put(url: string): request.Test;
  patch(url: string): request.Test;
  delete(url: string): request.Test;
}

export function toContractResponse(response: request.Response): ContractResponse {
  const isJson = String(response.headers['content-type'] ?? '').includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: isJson ? response.body : response.text,
    text: response.text,
  };
}

export function contractClient(server: Server): ContractClient {
  const call = (method: Method) => (url: string) => {
    const agent = request(server);
    return agent[method](url).expect((response) => {
      const problems = contract.problems(method.toUpperCase(), url, toContractResponse(response));
      if (problems.length > 0)
        throw new Error(`Response breaks docs/openapi.yaml:\n  ${problems.join('\n  ')}`);
    });
  };
  return {
    get: call('get'),
    post: call('post'),
    put: call('put'),
    patch: call('patch'),
    delete: call('delete'),
  };
}

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

/** The environment every black-box suite's processes start from; a suite's own values on top. */
export function testEnvironment(
  dataDir: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    // Cheap argon2 keeps the suites fast; one test pins the production parameters, and the
    // timing test runs with them.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // Every suite logs in from 127.0.0.1 many times over: abuse controls stay out of the way
    // except where a suite sets realistic values to test them.
    RATE_LIMIT_LOGIN_IP: '100000/1m',
    RATE_LIMIT_LOGIN_EMAIL: '100000/1m',
    RATE_LIMIT_REGISTER_IP: '100000/1m',
    RATE_LIMIT_REFRESH_IP: '100000/1m',
    RATE_LIMIT_LOGOUT_IP: '100000/1m',
    RATE_LIMIT_PASSWORD_RESET_IP: '100000/1m',
    RATE_LIMIT_PASSWORD_RESET_EMAIL: '100000/1m',
    RATE_LIMIT_VERIFY_REQUEST_IP: '100000/1m',
    RATE_LIMIT_VERIFY_REQUEST_EMAIL: '100000/1m',
    RATE_LIMIT_TOKEN_CONFIRM_IP: '100000/1m',
    RATE_LIMIT_SLUG_CHECK_IP: '100000/1m',
    LOGIN_LOCKOUT_THRESHOLD: '10000',
    ...overrides,
  };
}

/** Boots the real application on a fresh database (Postgres or PGlite, see openTestDatabase). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // A suite that composes modules of its own tests the composition, which is the monolith's.
  if (testTarget() === 'services' && !options.modules && !options.extraModules)
    return startServicesTestApp(options);
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
    async flushMail() {
      await latchkey.app.get(DeferredWork).idle();
      const dispatcher = latchkey.app.get(OutboxDispatcher);
      await dispatcher.idle();
      dispatcher.nudge();
      await dispatcher.idle();
    },
    async close() {
      await latchkey.close();
      if (!options.db) await db.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
