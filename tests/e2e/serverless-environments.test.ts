import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { rows, sql } from '@latchkey/platform/testing';
import { claimsOf, registerAndLogin } from '../support/auth';
import { startServerlessTestApp, type TestApp } from '../support/test-app';
import type { ServerlessApp } from '../support/serverless-app';
import type { HttpEvent, LambdaEnvironment } from '../../apps/serverless/src/lambda-environment';
import { runScheduledTask } from '../../apps/serverless/src/handlers/scheduled';
import { apiGatewayEvent } from '../../apps/serverless/src/local/api-gateway-http';

/**
 * The serverless deployment's own concern: many execution environments, each with its own
 * application and (on PostgreSQL) its own pool, serving one API. Whatever TEST_TARGET says, this
 * suite runs the local harness.
 */
describe('serverless: requests spread over execution environments', () => {
  let app: TestApp & { serverless: ServerlessApp };
  let url: string;
  beforeAll(async () => {
    app = await startServerlessTestApp({ maxEnvironments: 20 });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  // Each environment has a pool of its own only on a server (on PGlite they share one connection).
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    '20 parallel refreshes of one token, all in flight at once, each in an environment and on a connection of its own: one successor for all, one live token',
    async () => {
      const { tokens } = await registerAndLogin(app);
      const sessionId = claimsOf(tokens.accessToken).sid as string;
      const before = app.serverless.pool.initCount;
      // Holding the session's row makes every rotation wait for it, so all 20 are in flight
      // together: no environment is free to take a second, and each waits on its own connection.
      const holder = new Client({ connectionString: app.db.url });
      await holder.connect();
      await holder.query('begin');
      await holder.query('select id from sessions where id = $1 for update', [sessionId]);
      const responses = Promise.all(
        Array.from({ length: 20 }, async () => {
          const response = await fetch(`${url}/v1/auth/refresh`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refreshToken: tokens.refreshToken }),
          });
          return { status: response.status, body: (await response.json()) as { refreshToken?: string } };
        }),
      );
      // Watched from outside the holder's transaction, which would see one snapshot of the statistics.
      const observer = new Client({ connectionString: app.db.url });
      await observer.connect();
      const waiting = async () =>
        Number(
          (
            await observer.query<{ waiting: string }>(
              `select count(*) as waiting from pg_stat_activity
               where datname = current_database() and wait_event_type = 'Lock'`,
            )
          ).rows[0]!.waiting,
        );
      const deadline = Date.now() + 60_000;
      while ((await waiting()) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await waiting()).toBe(20);
      await holder.query('commit');
      await Promise.all([holder.end(), observer.end()]);

      const answered = await responses;
      expect(answered.map((response) => response.status)).toEqual(Array(20).fill(200));
      // Twenty invocations in flight at once, each holding an environment of its own: those idle
      // before (made by the requests above) and the cold starts the rest needed.
      expect(app.serverless.pool.size).toBe(20);
      expect(app.serverless.pool.initCount).toBeGreaterThan(before);
      expect(new Set(answered.map((response) => response.body.refreshToken)).size).toBe(1);
      const [row] = await rows<{ live: number | string }>(
        app.latchkey.database,
        sql`select count(*) as live from refresh_tokens where session_id = ${sessionId} and rotated_at is null`,
      );
      expect(Number(row!.live)).toBe(1);
    },
    120_000,
  );

  it('a logout in one environment is refused at once by another that had just accepted the token', async () => {
    const { tokens } = await registerAndLogin(app);
    const { pool } = app.serverless;
    // Two environments held at once, invoked directly with API Gateway events.
    const [one, other] = [await pool.acquire(), await pool.acquire()];
    try {
      const me = (environment: LambdaEnvironment) =>
        environment.handle(
          clientEvent('GET', '/v1/auth/me', { authorization: `Bearer ${tokens.accessToken}` }),
        );
      expect((await me(one.environment)).statusCode).toBe(200);
      expect((await me(other.environment)).statusCode).toBe(200);
      const logout = await one.environment.handle(
        clientEvent(
          'POST',
          '/v1/auth/logout',
          { 'content-type': 'application/json' },
          { refreshToken: tokens.refreshToken },
        ),
      );
      expect(logout.statusCode).toBe(204);
      // No NOTIFY on Lambda (DATABASE_LISTEN=false): nothing remembered the session as active.
      expect((await me(other.environment)).statusCode).toBe(401);
    } finally {
      await one.environment.settle();
      await other.environment.settle();
      await pool.release(one.environment);
      await pool.release(other.environment);
    }
  });

  it("takes the client's address from API Gateway's requestContext, never from X-Forwarded-For", async () => {
    const { userId } = await registerAndLogin(app);
    const login = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      // What a client may write; API Gateway appends the real address after it.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'not the password at all' }),
    });
    expect(login.status).toBe(401);
    await app.flushMail();
    const events = await rows<{ type: string; ip: string | null }>(
      app.latchkey.database,
      sql`select type, ip from auth_events where user_id = ${userId} or (type = 'UserLoginFailed' and user_id is null)`,
    );
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((event) => event.ip)).toEqual(events.map(() => '127.0.0.1'));
  });
});

describe('serverless: the scheduled function (EventBridge Scheduler)', () => {
  let app: TestApp & { serverless: ServerlessApp };
  beforeAll(async () => {
    app = await startServerlessTestApp({ env: { KEY_ROTATION_INTERVAL: '30d', KEYS_STORE: 'database' } });
  });
  afterAll(() => app.close());

  const run = (task: unknown) =>
    runScheduledTask({ environment: app.serverless.first, config: app.serverless.config }, { task });

  it('runs the clean-up, a rotation step and a relay pass, each as the input names it', async () => {
    const { tokens } = await registerAndLogin(app);
    app.clock.advanceSeconds(8 * 86_400); // idle past REFRESH_TOKEN_TTL (7 days), inside CLEANUP_RETENTION
    expect(await run('cleanup')).toMatchObject({ task: 'cleanup', ran: true, removed: expect.any(Object) });
    const [session] = await rows<{ revoke_reason: string | null }>(
      app.latchkey.database,
      sql`select revoke_reason from sessions where id = ${claimsOf(tokens.accessToken).sid as string}`,
    );
    expect(session?.revoke_reason).toBe('expired');
    app.clock.advanceSeconds(23 * 86_400); // the active key is now 31 days old (KEY_ROTATION_INTERVAL 30d)
    expect(await run('rotate-signing-keys')).toMatchObject({ task: 'rotate-signing-keys', ran: true });
    expect(await run('relay')).toEqual({ task: 'relay', ran: true });
  });

  it('refuses an input it does not know, so the schedule shows the failure', async () => {
    await expect(run('vacuum')).rejects.toThrow('unknown scheduled task "vacuum"');
    await expect(run(undefined)).rejects.toThrow('unknown scheduled task');
  });
});

/** A payload 2.0 event as API Gateway makes it for a client at 127.0.0.1. */
function clientEvent(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): HttpEvent {
  return apiGatewayEvent({
    method,
    url: path,
    headers: [['host', 'localhost'], ...Object.entries(headers)],
    body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    sourceIp: '127.0.0.1',
  });
}
