import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLatchkeyClient, type LatchkeyClient, LatchkeyError } from '@latchkey/client';
import { fileStorage } from '@latchkey/client/node';
import { rows, sql } from '@latchkey/platform/testing';
import { aUser, claimsOf } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The client SDK (packages/client) in body mode, as a mobile app or a Node tool uses it, against
 * the real API over HTTP (the monolith, or the gateway with TEST_TARGET=services). Cookie mode is
 * a browser's: the browser suite proves it.
 */
const credentialsOf = ({ email, password }: { email: string; password: string }) => ({ email, password });

describe('the client SDK against the API', () => {
  let app: TestApp;
  let baseUrl: string;
  let dir: string;
  const clients: LatchkeyClient[] = [];

  const client = (options: { fetch?: typeof fetch; file?: string } = {}) => {
    const made = createLatchkeyClient({
      baseUrl,
      transport: 'body',
      storage: options.file ? fileStorage(options.file) : undefined,
      fetch: options.fetch,
      // The server's test clock: the client sees tokens expire when the server does.
      now: () => app.clock.now().getTime(),
      refreshAhead: false,
    });
    clients.push(made);
    return made;
  };

  const chainOf = async (accessToken: string) => {
    const sessionId = claimsOf(accessToken).sid as string;
    const [row] = await rows<{ tokens: number; reuse_detected_at: Date | null; revoked_at: Date | null }>(
      app.latchkey.database,
      sql`select (select count(*)::int from refresh_tokens where session_id = ${sessionId}) as tokens,
                 reuse_detected_at, revoked_at
          from sessions where id = ${sessionId}`,
    );
    return row!;
  };

  beforeAll(async () => {
    app = await startTestApp();
    if (!app.server.listening) await app.latchkey.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-sdk-'));
  });
  afterAll(async () => {
    for (const made of clients) made.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, logs in, and reads the user and its sessions', async () => {
    const user = aUser();
    const device = client();
    const registered = await device.register(user);
    expect(registered).toMatchObject({ email: user.email, name: user.name });
    await device.login({ email: user.email, password: user.password, deviceId: 'sdk-e2e' });
    await expect(device.me()).resolves.toMatchObject({ id: registered!.id, email: user.email });
    const sessions = await device.sessions();
    expect(sessions).toEqual([expect.objectContaining({ current: true, deviceId: 'sdk-e2e' })]);
  });

  it('answers 20 concurrent calls after the access token expired with one rotation and no reuse', async () => {
    const user = aUser();
    const device = client();
    await device.register(user);
    await device.login(credentialsOf(user));
    const first = await device.accessToken();
    app.clock.advanceSeconds(15 * 60 + 1); // past any access token's life
    const answers = await Promise.all(Array.from({ length: 20 }, () => device.fetch('/v1/auth/me')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const chain = await chainOf(first);
    expect(chain.tokens).toBe(2); // the login's token and its one successor
    expect(chain.reuse_detected_at).toBeNull();
  });

  it('recovers a refresh whose response was lost: the same token again gets the same successor', async () => {
    const user = aUser();
    let lose = true;
    const device = client({
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (lose && String(input).endsWith('/v1/auth/refresh')) {
          lose = false; // the server rotated; the answer never arrives
          throw new TypeError('fetch failed: the connection was reset');
        }
        return response;
      },
    });
    await device.register(user);
    await device.login(credentialsOf(user));
    const first = await device.accessToken();
    app.clock.advanceSeconds(15 * 60 + 1);
    await expect(device.me()).resolves.toMatchObject({ email: user.email });
    await device.refresh(); // the chain goes on from the successor it was given
    const chain = await chainOf(first);
    expect(chain.tokens).toBe(3);
    expect(chain.reuse_detected_at).toBeNull();
    expect(chain.revoked_at).toBeNull();
  });

  it('keeps a Node tool signed in across runs through its token file, and signs every device out', async () => {
    const user = aUser();
    const file = path.join(dir, 'refresh-token');
    const firstRun = client({ file });
    await firstRun.register(user);
    await firstRun.login(credentialsOf(user));
    const phone = client();
    await phone.login(credentialsOf(user));

    const secondRun = client({ file }); // a new process: nothing in memory, the token on disk
    await expect(secondRun.me()).resolves.toMatchObject({ email: user.email });
    await secondRun.logout({ allDevices: true });
    await expect(fileStorage(file).get()).resolves.toBeUndefined();
    await expect(secondRun.me()).rejects.toMatchObject({ code: 'SIGNED_OUT' });
    // The other device's access token is refused, and so is its refresh: it is signed out too.
    await expect(phone.me()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(phone.signedIn).toBe(false);
  });

  it("surfaces the server's error as a LatchkeyError with its code and trace id", async () => {
    const user = aUser();
    const device = client();
    await device.register(user);
    const failure = await device
      .login({ email: user.email, password: 'not the password at all' })
      .catch((error) => error);
    expect(failure).toBeInstanceOf(LatchkeyError);
    expect(failure).toMatchObject({ status: 401, code: 'UNAUTHORIZED', traceId: expect.any(String) });
    expect(device.signedIn).toBe(false);
  });
});
