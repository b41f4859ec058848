import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';
import { aUser } from '../support/auth';
import { EventSink, publishingTo, testExchange } from '../support/event-sink';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { type Instance, postJson, startInstance, stopInstances } from '../support/processes';

/** OTLP's SpanKind: SERVER. */
const SERVER = 2;
const PG_SCOPE = '@opentelemetry/instrumentation-pg';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function baseEnv(dataDir: string, db: TestDatabase): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // Exported within a tenth of a second rather than the SDK's default five.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
}

/** The JSON log lines an instance wrote. */
function logLines(instance: Instance): Record<string, unknown>[] {
  return instance.output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('tracing: a caller’s trace continues through Latchkey (OTLP/HTTP JSON)', () => {
  const receiver = new OtlpReceiver();
  const exchange = testExchange();
  let db: TestDatabase;
  let dataDir: string;
  let instance: Instance;
  let sink: EventSink;

  beforeAll(async () => {
    db = await openTestDatabase(MIGRATION_PLAN);
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-tracing-'));
    sink = new EventSink({ exchange, database: db.database });
    await sink.consumer.start();
    const endpoint = await receiver.start();
    instance = await startInstance({
      ...baseEnv(dataDir, db),
      ...publishingTo(exchange),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'latchkey-under-test',
    });
  }, 60_000);

  afterAll(async () => {
    if (instance) await stopInstances([instance]);
    await sink.consumer.stop();
    await receiver.stop();
    await db.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('register → login → refresh → me: one trace, use cases under the HTTP spans, argon2 and queries under them, no secret anywhere', async () => {
    const traceId = hex(16);
    const callerSpan = hex(8);
    const traceparent = `00-${traceId}-${callerSpan}-01`;
    const user = aUser();
    const v1 = `${instance.url}/v1`;
    const requestIds: string[] = [];
    const track = (response: Response) => {
      requestIds.push(response.headers.get('x-request-id')!);
      return response;
    };

    const registered = track(await postJson(`${v1}/auth/register`, user, { traceparent }));
    expect(registered.status).toBe(201);
    const { id: userId } = (await registered.json()) as { id: string };
    const loggedIn = track(
      await postJson(`${v1}/auth/login`, { email: user.email, password: user.password }, { traceparent }),
    );
    expect(loggedIn.status).toBe(200);
    const first = (await loggedIn.json()) as { accessToken: string; refreshToken: string };
    const refreshed = track(
      await postJson(`${v1}/auth/refresh`, { refreshToken: first.refreshToken }, { traceparent }),
    );
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { accessToken: string; refreshToken: string };
    const me = track(
      await fetch(`${v1}/auth/me`, {
        headers: { traceparent, authorization: `Bearer ${second.accessToken}` },
      }),
    );
    expect(me.status).toBe(200);

    const spanNamed = (name: string) => receiver.inTrace(traceId).find((span) => span.name === name);
    const useCases = ['identity.register', 'identity.login', 'identity.refresh', 'identity.get_current_user'];
    await receiver.waitFor(() => useCases.every((name) => spanNamed(name)) && servers().length === 4);

    function servers(): ReceivedSpan[] {
      return receiver.inTrace(traceId).filter((span) => span.kind === SERVER);
    }
    const byId = new Map(receiver.inTrace(traceId).map((span) => [span.spanId, span]));
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const chain: ReceivedSpan[] = [];
      for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId))
        chain.push(parent);
      return chain;
    };

    // The HTTP server spans continue the caller's span, carry the route and the request id.
    for (const server of servers()) expect(server.parentSpanId).toBe(callerSpan);
    expect(
      servers()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['GET /v1/auth/me', 'POST /v1/auth/login', 'POST /v1/auth/refresh', 'POST /v1/auth/register']);
    expect(
      servers()
        .map((span) => span.attributes['latchkey.request_id'])
        .sort(),
    ).toEqual([...requestIds].sort());

    // Each use case is a child of its request's server span.
    for (const [useCase, route] of [
      ['identity.register', 'POST /v1/auth/register'],
      ['identity.login', 'POST /v1/auth/login'],
      ['identity.refresh', 'POST /v1/auth/refresh'],
      ['identity.get_current_user', 'GET /v1/auth/me'],
    ] as const) {
      const parent = byId.get(spanNamed(useCase)!.parentSpanId);
      expect(`${useCase} under ${parent?.name}`).toBe(`${useCase} under ${route}`);
    }
    // argon2 under the use cases that hash and verify; the wait for the semaphore is recorded.
    const hashSpan = spanNamed('argon2.hash')!;
    const verifySpan = spanNamed('argon2.verify')!;
    expect(ancestors(hashSpan).map((span) => span.name)).toContain('identity.register');
    expect(ancestors(verifySpan).map((span) => span.name)).toContain('identity.login');
    expect(typeof verifySpan.attributes['latchkey.password_hash.queue_wait_seconds']).toBe('number');
    expect(ancestors(spanNamed('jwt.sign')!).map((span) => span.name)).toContain('identity.login');

    // PostgreSQL's queries under the use cases (PGlite runs in-process: no driver to see).
    const queries = receiver.inTrace(traceId).filter((span) => span.scope === PG_SCOPE);
    if (db.url) {
      for (const useCase of ['identity.register', 'identity.login', 'identity.refresh']) {
        expect(queries.some((query) => ancestors(query).some((span) => span.name === useCase))).toBe(true);
      }
    } else {
      expect(queries).toEqual([]);
    }

    // Nothing a client sent or received as a secret, nor the address, in any exported byte.
    const exported = receiver.bodies.map(({ body }) => body.toString('utf8')).join('\n');
    for (const secret of [
      user.email,
      user.password,
      // Without OTEL_CAPTURE_USER_ID, not even the user's id.
      userId,
      first.accessToken,
      first.refreshToken,
      second.refreshToken,
    ]) {
      expect(exported).not.toContain(secret);
    }
    // Nor the client's address, which is only exported with OTEL_CAPTURE_CLIENT_IP=true.
    for (const span of receiver.spans) {
      expect(Object.keys(span.attributes)).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(client\.address|net\.peer\.ip|http\.client_ip)$/)]),
      );
    }

    // Every log line of those requests names the caller's trace; the one line written later by
    // the mail relay on the request's behalf (it keeps the request id) names the relay's trace.
    const lines = logLines(instance).filter((line) => requestIds.includes(line.requestId as string));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    await receiver.waitFor(() =>
      lines.every(
        (line) => line.trace_id === traceId || receiver.spans.some((span) => span.spanId === line.span_id),
      ),
    );
    for (const line of lines) {
      const written =
        line.trace_id === traceId ? 'request' : receiver.spans.find((s) => s.spanId === line.span_id)!.name;
      expect(`${String(line.msg)}: ${written}`).toMatch(/: (request|email\.outbox\.relay)$/);
    }
    expect(lines.filter((line) => line.trace_id === traceId).length).toBeGreaterThanOrEqual(4);
    expect(new Set(lines.map((line) => line.span_id)).size).toBeGreaterThanOrEqual(4);
  });

  it('honours a caller’s decision not to sample: the requests work, nothing of their trace is exported, their logs still name it', async () => {
    const traceId = hex(16);
    const traceparent = `00-${traceId}-${hex(8)}-00`;
    const user = aUser();
    const v1 = `${instance.url}/v1`;
    const registered = await postJson(`${v1}/auth/register`, user, { traceparent });
    expect(registered.status).toBe(201);
    const loggedIn = await postJson(
      `${v1}/auth/login`,
      { email: user.email, password: user.password },
      { traceparent },
    );
    expect(loggedIn.status).toBe(200);
    const requestIds = [registered, loggedIn].map((response) => response.headers.get('x-request-id'));

    // A sampled request made afterwards: once its span is in, the earlier ones' would be too.
    const marker = hex(16);
    await fetch(`${instance.url}/jwks`, { headers: { traceparent: `00-${marker}-${hex(8)}-01` } });
    await receiver.waitFor(() => receiver.inTrace(marker).length > 0);
    expect(receiver.inTrace(traceId)).toEqual([]);

    // Their log lines name the caller's trace all the same; the mail relay's line (it keeps the
    // request id) names the relay's own, sampled, trace.
    const lines = logLines(instance).filter((line) => requestIds.includes(line.requestId as string));
    const relayed = (line: Record<string, unknown>) =>
      receiver.spans.some((span) => span.spanId === line.span_id && span.name === 'email.outbox.relay');
    await receiver.waitFor(() => lines.every((line) => line.trace_id === traceId || relayed(line)));
    expect(lines.filter((line) => line.trace_id === traceId).length).toBeGreaterThanOrEqual(2);
  });

  it('puts the request’s trace into the events it causes, and traces the relay’s publishing', async () => {
    const traceId = hex(16);
    const response = await postJson(`${instance.url}/v1/auth/register`, aUser(), {
      traceparent: `00-${traceId}-${hex(8)}-01`,
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await sink.until(() => sink.of(id).length > 0);

    // The envelope names the register request's use-case span: a consumer continues from it.
    const [event] = sink.of(id);
    const [, eventTrace, eventParent] = event!.traceparent!.split('-');
    expect(eventTrace).toBe(traceId);
    await receiver.waitFor(() => receiver.inTrace(traceId).some((span) => span.spanId === eventParent));
    // The relay's pass is a trace of its own, the broker's publish (amqplib) inside it.
    const relayed = () => {
      const passes = new Set(
        receiver.spans.filter((span) => span.name === 'event.outbox.relay').map((span) => span.spanId),
      );
      return receiver.spans.some((span) => span.scope.includes('amqplib') && passes.has(span.parentSpanId));
    };
    await receiver.waitFor(relayed);
  });
});

describe('tracing over OTLP/HTTP protobuf (the default protocol)', () => {
  const receiver = new OtlpReceiver();
  let db: TestDatabase;
  let dataDir: string;
  let instance: Instance;

  beforeAll(async () => {
    db = await openTestDatabase(MIGRATION_PLAN);
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-tracing-proto-'));
    instance = await startInstance({
      ...baseEnv(dataDir, db),
      OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(),
      OTEL_CAPTURE_USER_ID: 'true',
    });
  }, 60_000);

  afterAll(async () => {
    if (instance) await stopInstances([instance]);
    await receiver.stop();
    await db.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports the caller’s trace as protobuf', async () => {
    const traceId = hex(16);
    expect(
      (await fetch(`${instance.url}/jwks`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } }))
        .status,
    ).toBe(200);
    const raw = Buffer.from(traceId, 'hex');
    await receiver.waitFor(() =>
      receiver.bodies.some(
        ({ contentType, body }) => contentType === 'application/x-protobuf' && body.includes(raw),
      ),
    );
  });

  it('adds the authenticated user’s id as enduser.id with OTEL_CAPTURE_USER_ID=true', async () => {
    const user = aUser();
    const registered = await postJson(`${instance.url}/v1/auth/register`, user);
    const { id: userId } = (await registered.json()) as { id: string };
    const login = await postJson(`${instance.url}/v1/auth/login`, {
      email: user.email,
      password: user.password,
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = await fetch(`${instance.url}/v1/auth/me`, {
      headers: { authorization: `Bearer ${accessToken}`, traceparent: `00-${hex(16)}-${hex(8)}-01` },
    });
    expect(me.status).toBe(200);
    // Protobuf: the attribute's key, then (a few framing bytes on) its string value.
    const key = Buffer.from('enduser.id');
    const tagged = (body: Buffer) => {
      for (let at = body.indexOf(key); at >= 0; at = body.indexOf(key, at + 1)) {
        const value = body.subarray(at + key.length, at + key.length + 8 + userId.length);
        if (value.includes(userId)) return true;
      }
      return false;
    };
    await receiver.waitFor(() => receiver.bodies.some(({ body }) => tagged(body)));
  });
});
