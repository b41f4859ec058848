import { createLatchkeyClient, type LatchkeyClient, type SessionEvent } from './latchkey-client.js';
import { LatchkeyError } from './latchkey-error.js';
import { memoryStorage } from './refresh-token-storage.js';
import type { TabEnvironment } from './tab-coordinator.js';
import { FakeAuthApi, fakeLocks } from './testing/fake-auth-api.js';

const BASE_URL = 'https://auth.example.test';
const credentials = { email: 'ada@example.com', password: 'correct horse battery staple' };

describe('LatchkeyClient', () => {
  let api: FakeAuthApi;
  const clients: LatchkeyClient[] = [];
  const client = (options: Partial<Parameters<typeof createLatchkeyClient>[0]> = {}) => {
    const made = createLatchkeyClient({
      baseUrl: BASE_URL,
      transport: 'body',
      fetch: api.device(),
      now: () => api.now,
      refreshAhead: false,
      ...options,
    });
    clients.push(made);
    return made;
  };
  // Tabs of one browser: one cookie jar, one lock manager, BroadcastChannel between them.
  const tabsOf = (environment: TabEnvironment, count: number) => {
    const browser = api.browser();
    return Array.from({ length: count }, () =>
      client({ transport: 'cookie', fetch: browser, tabs: environment }),
    );
  };
  const channels = (): TabEnvironment['openChannel'] => (name) =>
    new BroadcastChannel(name) as unknown as ReturnType<NonNullable<TabEnvironment['openChannel']>>;
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

  beforeEach(() => {
    api = new FakeAuthApi();
  });
  afterEach(() => {
    for (const made of clients.splice(0)) made.close();
  });

  it('shares one refresh among concurrent calls whose token has expired, and every call succeeds', async () => {
    const device = client();
    await device.login(credentials);
    api.now += api.ttlMs; // the access token is now expired
    const answers = await Promise.all(Array.from({ length: 10 }, () => device.fetch('/v1/auth/me')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(api.refreshCalls).toBe(1);
    expect(api.rotations).toBe(1);
  });

  it('on a 401 refreshes once and sends the request once more, never in a loop', async () => {
    const device = client();
    await device.login(credentials);
    api.expireAccessTokens(); // the server refuses a token the client still thinks valid
    await expect(device.me()).resolves.toEqual({ id: 'user-1' });
    expect(api.refreshCalls).toBe(1);

    // The refreshed token is refused as well (say, the server's clock runs ahead): the second 401
    // is the caller's answer; no second refresh.
    api.ttlMs = 0;
    api.expireAccessTokens();
    const answer = await device.fetch('/v1/auth/me');
    expect(answer.status).toBe(401);
    expect(api.refreshCalls).toBe(2);
  });

  it('sends a refresh whose response was lost again with the same token, and gets the same successor', async () => {
    const storage = memoryStorage();
    const device = client({ storage });
    await device.login(credentials);
    const before = await storage.get();
    api.now += api.ttlMs;
    api.loseNextRefreshResponse = true;
    await expect(device.me()).resolves.toEqual({ id: 'user-1' });
    expect(api.refreshCalls).toBe(2);
    expect(api.rotations).toBe(1);
    expect(api.reuseDetections).toBe(0);
    expect(await storage.get()).not.toBe(before);
    // The chain goes on from the successor.
    await expect(device.refresh()).resolves.toEqual(expect.any(String));
    expect(api.reuseDetections).toBe(0);
  });

  it('signs out when the refresh is refused: the token is cleared, listeners hear why, calls say SIGNED_OUT', async () => {
    const storage = memoryStorage();
    const device = client({ storage });
    const events: SessionEvent[] = [];
    device.onSessionChange((event) => events.push(event));
    await device.login(credentials);
    const stolen = (await storage.get())!;
    // Someone replays a consumed token after the grace window: the server revokes the session.
    await device.refresh();
    api.now += api.graceMs + 1;
    await client({ storage: memoryStorage(stolen) })
      .refresh()
      .catch(() => undefined);
    expect(api.reuseDetections).toBe(1);

    api.now += api.ttlMs;
    const refused = await device.me().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LatchkeyError);
    expect(refused).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      traceId: expect.stringMatching(/^trace-/),
    });
    expect(await storage.get()).toBeUndefined();
    expect(events.at(-1)).toEqual({ type: 'signed-out', reason: 'refresh-refused' });
    await expect(device.me()).rejects.toMatchObject({ code: 'SIGNED_OUT' });
  });

  it('refreshes ahead of expiry, with no call waiting on it', async () => {
    jest.useFakeTimers({ now: api.now });
    try {
      const device = client({ refreshAhead: true, now: Date.now });
      api.now = Date.now();
      await device.login(credentials);
      // 10 s tokens turn stale at 8 s; the refresh falls in the tenth before that.
      await jest.advanceTimersByTimeAsync(7_100);
      expect(api.refreshCalls).toBe(0);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(api.refreshCalls).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('tabs of one browser (cookie mode)', () => {
    it('with Web Locks: tabs whose tokens expire together rotate once, and every tab gets the new token', async () => {
      const tabs = tabsOf({ locks: fakeLocks(), openChannel: channels() }, 5);
      await tabs[0]!.login(credentials);
      await tick(); // the other tabs hear of the login
      expect(tabs.every((tab) => tab.signedIn)).toBe(true);
      api.now += api.ttlMs;
      const answers = await Promise.all(
        tabs.flatMap((tab) => [tab.fetch('/v1/auth/me'), tab.fetch('/v1/auth/me')]),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      expect(api.rotations).toBe(1);
      expect(api.reuseDetections).toBe(0);
    });

    it('without Web Locks: tabs that race still keep working, and the server sees no reuse', async () => {
      const tabs = tabsOf({ openChannel: channels() }, 5);
      await tabs[0]!.login(credentials);
      await tick();
      for (let round = 0; round < 3; round++) {
        api.now += api.ttlMs;
        const answers = await Promise.all(tabs.map((tab) => tab.fetch('/v1/auth/me')));
        expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill(200));
      }
      expect(api.reuseDetections).toBe(0);
    });

    it('a logout in one tab signs every tab out', async () => {
      const [a, b] = tabsOf({ locks: fakeLocks(), openChannel: channels() }, 2);
      const heard: SessionEvent[] = [];
      b!.onSessionChange((event) => heard.push(event));
      await a!.login(credentials);
      await tick();
      await a!.logout();
      await tick();
      expect(heard).toEqual([{ type: 'signed-in' }, { type: 'signed-out', reason: 'other-tab' }]);
      expect(b!.signedIn).toBe(false);
      // B's next call finds no cookie: the refresh is refused, nothing is rotated.
      await expect(b!.me()).rejects.toMatchObject({ status: 401 });
    });

    it('sends the refresh cookie only with the cookie transport header and credentials', async () => {
      const requests: RequestInit[] = [];
      const browser = api.browser();
      const tab = client({
        transport: 'cookie',
        tabs: {},
        fetch: (input, init) => {
          requests.push(init ?? {});
          return browser(input, init);
        },
      });
      await tab.login(credentials);
      await tab.refresh();
      const [login, refresh] = requests;
      for (const sent of [login!, refresh!]) {
        expect(sent.credentials).toBe('include');
        expect(new Headers(sent.headers).get('x-token-transport')).toBe('cookie');
      }
      expect(refresh!.body).toBeUndefined(); // the token is the cookie, never the body
    });
  });

  it('reads an ErrorResponse into a LatchkeyError with its code, trace id and Retry-After', async () => {
    const response = Response.json(
      { message: 'Too many attempts', code: 'RATE_LIMITED', traceId: 'abc' },
      { status: 429, headers: { 'retry-after': '30' } },
    );
    await expect(LatchkeyError.fromResponse(response)).resolves.toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      traceId: 'abc',
      retryAfterSeconds: 30,
      message: 'Too many attempts',
    });
  });
});
