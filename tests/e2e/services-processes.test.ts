import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { AUTH_SERVICE_MIGRATIONS } from '../../apps/auth-service/src/paths';
import { USER_SERVICE_MIGRATIONS } from '../../apps/user-service/src/paths';
import { aUser, claimsOf } from '../support/auth';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import {
  freePort,
  type Instance,
  postJson,
  START_SERVICES,
  startInstance,
  stopInstances,
} from '../support/processes';

/** OTLP's SpanKind: SERVER. */
const SERVER = 2;
const PG_SCOPE = '@opentelemetry/instrumentation-pg';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const ROOT = path.resolve(__dirname, '..', '..');

/**
 * `pnpm start:services` as an operator runs it, with an OTLP endpoint: a request through the
 * gateway is one trace, the gateway's server span the parent of the services' (the proxied call
 * and the internal calls carry its traceparent), and on PostgreSQL the queries under the service's.
 */
describe('the services deployment as `pnpm start:services` runs it', () => {
  const receiver = new OtlpReceiver();
  let authDb: TestDatabase;
  let userDb: TestDatabase;
  let dataDir: string;
  let services: Instance;
  let userServiceUrl: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    authDb = await openTestDatabase(AUTH_SERVICE_MIGRATIONS);
    userDb = await openTestDatabase(USER_SERVICE_MIGRATIONS);
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-services-tracing-'));
    const endpoint = await receiver.start();
    const [authPort, userPort] = [await freePort(), await freePort()];
    userServiceUrl = `http://127.0.0.1:${userPort}`;
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      AUTH_SERVICE_PORT: String(authPort),
      USER_SERVICE_PORT: String(userPort),
      // PostgreSQL, one database each, where the suite has a server; else PGlite under DATA_DIR.
      ...(authDb.url && userDb.url
        ? { AUTH_SERVICE_DATABASE_URL: authDb.url, USER_SERVICE_DATABASE_URL: userDb.url }
        : {}),
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    services = await startInstance(env, undefined, START_SERVICES);
    // The gateway is ready with the auth service; the user service may still be starting.
    for (const started = Date.now(); Date.now() - started < 30_000;) {
      if (
        await fetch(`${userServiceUrl}/health/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 90_000);

  /** `pnpm services:users|services:auth …` beside the running services: the variables start:services had. */
  function servicesCommand(service: 'services:users' | 'services:auth', ...argv: string[]) {
    return new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'scripts', 'operator-command.cjs'), service, ...argv],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', ...env, PORT: new URL(services.url).port },
          timeout: 60_000,
        },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      );
    });
  }
  const servicesUsers = (...argv: string[]) => servicesCommand('services:users', ...argv);

  afterAll(async () => {
    if (services) await stopInstances([services]);
    await receiver.stop();
    await authDb?.dispose();
    await userDb?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /v1/users/{id} through the gateway: gateway → auth service (session check) and user service → database, one trace', async () => {
    const user = aUser();
    const v1 = `${services.url}/v1`;
    expect((await postJson(`${v1}/auth/register`, user)).status).toBe(201);
    const login = await postJson(`${v1}/auth/login`, { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = (await (
      await fetch(`${v1}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    ).json()) as { id: string };

    const traceId = hex(16);
    const callerSpan = hex(8);
    const profile = await fetch(`${v1}/users/${me.id}`, {
      headers: { authorization: `Bearer ${accessToken}`, traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    expect(profile.status).toBe(200);

    const servers = () => receiver.inTrace(traceId).filter((span) => span.kind === SERVER);
    const serving = (service: string) => servers().filter((span) => span.service === service);
    await receiver.waitFor(
      () =>
        serving('latchkey-gateway').length === 1 &&
        serving('latchkey-user-service').length === 1 &&
        serving('latchkey-auth-service').length >= 1,
    );
    // Looked up as spans arrive: a process exports its spans in batches of its own.
    const parentOf = (span: ReceivedSpan) =>
      receiver.inTrace(traceId).find((candidate) => candidate.spanId === span.parentSpanId);

    // The gateway continues the caller's span; every service span continues the gateway's.
    const gateway = serving('latchkey-gateway')[0]!;
    // Named by the gateway's route: the proxied prefix.
    expect(gateway.name).toBe('GET /v1/users/*');
    expect(gateway.parentSpanId).toBe(callerSpan);
    const users = serving('latchkey-user-service')[0]!;
    expect(users.name).toBe('GET /v1/users/:id');
    expect(parentOf(users)?.spanId).toBe(gateway.spanId);
    // The auth service answered the gateway's session check (and any account read of the user
    // service) inside the same trace, each under the process that asked (its server span or a
    // use case within it).
    const under = (span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
      for (let parent = parentOf(span); parent; parent = parentOf(parent))
        if (parent.spanId === ancestor.spanId) return true;
      return false;
    };
    for (const span of serving('latchkey-auth-service')) {
      expect(span.name).toMatch(/^GET \/internal\//);
      expect(under(span, gateway)).toBe(true);
    }
    expect(serving('latchkey-auth-service').map((span) => parentOf(span)?.spanId)).toContain(gateway.spanId);

    // The user service's queries, under its server span (PostgreSQL; PGlite has no driver to see).
    if (userDb.url) {
      await receiver.waitFor(() =>
        receiver.inTrace(traceId).some((span) => span.scope === PG_SCOPE && under(span, users)),
      );
      const queries = receiver.inTrace(traceId).filter((span) => span.scope === PG_SCOPE);
      expect(queries.every((query) => query.service !== 'latchkey-gateway')).toBe(true);
    } else {
      expect(receiver.inTrace(traceId).filter((span) => span.scope === PG_SCOPE)).toEqual([]);
    }
  });

  it('`pnpm services:users grant-admin` makes an admin whose very next token says so', async () => {
    const user = aUser();
    const v1 = `${services.url}/v1`;
    expect((await postJson(`${v1}/auth/register`, user)).status).toBe(201);
    const loginAs = async () =>
      claimsOf(
        (
          (await (
            await postJson(`${v1}/auth/login`, { email: user.email, password: user.password })
          ).json()) as {
            accessToken: string;
          }
        ).accessToken,
      );
    expect((await loginAs()).roles).toEqual(['user']);

    const granted = await servicesUsers('grant-admin', user.email);
    if (!userDb.url) {
      // PGlite: the running user service holds its embedded database; the command says so.
      expect(granted).toMatchObject({ code: 1, err: expect.stringContaining('refused') });
      return;
    }
    expect(granted).toMatchObject({ code: 0, out: expect.stringContaining(`${user.email} (`) });
    expect((await loginAs()).roles).toEqual(['user', 'admin']);
    expect((await servicesUsers('grant-admin', 'nobody@example.com')).code).toBe(1);
    expect((await servicesUsers('nope')).code).toBe(2);
  }, 60_000);

  it("`pnpm services:auth` runs identity's commands on the auth service's database, and no role command", async () => {
    const keys = await servicesCommand('services:auth', 'keys', 'list');
    if (!authDb.url) {
      // PGlite: the running auth service holds its embedded database; the command says so.
      expect(keys).toMatchObject({ code: 1, err: expect.stringContaining('refused') });
      return;
    }
    // The auth service's signing key, as the running gateway knows it from the JWKS.
    const jwks = (await (await fetch(`${services.url}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(keys.code).toBe(0);
    expect(keys.out).toContain(jwks.keys[0]!.kid);
    const grant = await servicesCommand('services:auth', 'users', 'grant-admin', 'someone@example.com');
    expect(grant).toMatchObject({ code: 2, err: expect.stringContaining('pnpm services:users grant-admin') });
    expect((await servicesCommand('services:auth', 'migrate')).code).toBe(2);
  }, 60_000);
});
