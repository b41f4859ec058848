import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aUser } from '../support/auth';
import { type Instance, postJson, startInstance, stopInstances } from '../support/processes';
import { TcpProxy } from '../support/tcp-proxy';

const REDIS_URL = process.env.TEST_REDIS_URL;

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The real Redis on 127.0.0.1:6379, behind a proxy this test cuts: the API is a real process.
(REDIS_URL ? describe : describe.skip)('readiness follows Redis when limits fail closed', () => {
  let dataDir: string;
  let proxy: TcpProxy;
  let api: Instance;

  const ready = async () => {
    const response = await fetch(`${api.url}/health/ready`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const redis = new URL(REDIS_URL!);
    proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    await proxy.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-ready-'));
    api = await startInstance({
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: `latchkey-test:${randomBytes(6).toString('hex')}:`,
    });
  }, 60_000);

  afterAll(async () => {
    await stopInstances([api]);
    await proxy.cut();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 naming redis while it is down (as logins do), 200 again when it returns', async () => {
    expect(await ready()).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'up', redis: 'up' } },
    });

    await proxy.cut();
    const down = await until('readiness with Redis cut', ready, (r) => r.status !== 200);
    expect(down).toEqual({
      status: 503,
      body: {
        message: 'Not ready: redis down',
        code: 'SERVICE_UNAVAILABLE',
        traceId: expect.any(String),
        details: [{ field: 'redis', message: expect.any(String) }],
      },
    });
    // What readiness stands for: the same instance cannot check a login's limits now.
    const login = await postJson(`${api.url}/auth/login`, {
      email: aUser().email,
      password: 'whatever it is',
    });
    expect(login.status).toBe(503);
    expect((await fetch(`${api.url}/health`)).status).toBe(200); // liveness asks nothing

    await proxy.restore();
    expect(await until('readiness with Redis back', ready, (r) => r.status === 200)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'up', redis: 'up' } },
    });
  }, 60_000);
});
