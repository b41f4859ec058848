import {
  ACCESS_TOKEN_TTL_SECONDS,
  aBrowserUser,
  type BrowserStage,
  callCounts,
  inNewContext,
  logIn,
  refreshCookie,
  registerAndLogIn,
  screenshot,
  sessionsOf,
  setUpStage,
  signedIn,
  signedInTab,
  signedOut,
} from './support/browser-setup';

/**
 * The web flow in a real browser (issue 25): Debian's Chromium driven by playwright-core, the
 * reference SPA (apps/web-demo, @latchkey/client in cookie mode) on its own origin, the real API
 * on another, with 10-second access tokens so that expiry happens within a test.
 */
describe('the web flow in a browser', () => {
  let stage: BrowserStage;
  beforeAll(async () => {
    stage = await setUpStage();
  }, 120_000);
  afterAll(() => stage?.close());

  it('login sets an httpOnly cookie no script can read, and a reload keeps the user signed in', async () => {
    await inNewContext(stage, async (context) => {
      const page = await context.newPage();
      await page.goto(stage.demoUrl);
      await page.getByTestId('status').filter({ hasText: 'signed out' }).waitFor();
      await screenshot(page, 'cookie', '1-signed-out');
      const user = aBrowserUser();
      await registerAndLogIn(page, user);
      await screenshot(page, 'cookie', '2-signed-in');

      const cookie = await refreshCookie(context);
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, domain: 'localhost', path: '/v1/auth' });
      // Evaluated in the page (string expressions: the suite is compiled without the DOM's types).
      expect(await page.evaluate<string>('document.cookie')).not.toContain('lk_refresh');
      // Nor is it in the page's storage: in cookie mode the token responses carry none.
      const stored = await page.evaluate<string>(
        'JSON.stringify(localStorage) + JSON.stringify(sessionStorage)',
      );
      expect(stored).not.toContain(cookie!.value);

      await page.reload();
      await signedIn(page);
      await expect(page.getByTestId('me-email').textContent()).resolves.toBe(user.email);
      await screenshot(page, 'cookie', '3-after-reload');
    });
  });

  it('a logout in one tab signs the other tab out within a second', async () => {
    await inNewContext(stage, async (context) => {
      const { page: a } = await signedInTab(context, stage);
      const b = await context.newPage();
      await b.goto(stage.demoUrl);
      await signedIn(b); // through the shared cookie
      await screenshot(b, 'logout', '1-tab-b-signed-in');

      await a.getByTestId('logout').click();
      await signedOut(b, 1_000);
      await screenshot(b, 'logout', '2-tab-b-signed-out');
      expect(await refreshCookie(context)).toBeUndefined();
    });
  });

  it('the session list signs another device out, and "sign out everywhere" signs out every device', async () => {
    await inNewContext(stage, async (laptop) => {
      const { page: a, user } = await signedInTab(laptop, stage);
      await inNewContext(stage, async (phone) => {
        const b = await phone.newPage();
        await b.goto(stage.demoUrl);
        await logIn(b, user);

        await a.getByTestId('load-sessions').click();
        const rows = a.getByTestId('session-row');
        await rows.nth(1).waitFor();
        expect(await rows.count()).toBe(2);
        await screenshot(a, 'sessions', '1-two-devices');
        await rows.filter({ hasNotText: '(this one)' }).getByTestId('revoke-session').click();
        await signedOut(b, 5_000); // its next call is refused, and so is its refresh
        await expect(a.getByTestId('status').textContent()).resolves.toBe('signed in');
        await screenshot(b, 'sessions', '2-other-device-signed-out');

        await logIn(b, user);
        await a.getByTestId('logout-everywhere').click();
        await signedOut(a, 1_000);
        await signedOut(b, 5_000);
        await screenshot(b, 'sessions', '3-everywhere');
      });
    });
  });

  it('a page on another origin can neither refresh nor log out the user, nor read a token', async () => {
    await inNewContext(stage, async (context) => {
      const { page: app, user } = await signedInTab(context, stage);
      const before = await refreshCookie(context);

      const stranger = await context.newPage();
      // What the API answered, as the browser's network layer saw it: a response the page is
      // not allowed to see (CORS, or the API's Cross-Origin-Resource-Policy) never reaches
      // Playwright's own events, so the DevTools protocol reports it.
      const urls = new Map<string, string>();
      const answers = new Map<string, number>();
      const devtools = await context.newCDPSession(stranger);
      await devtools.send('Network.enable');
      devtools.on('Network.requestWillBeSent', ({ requestId, request }) => urls.set(requestId, request.url));
      devtools.on('Network.responseReceivedExtraInfo', ({ requestId, statusCode }) =>
        answers.set(requestId, statusCode),
      );
      await stranger.goto(stage.strangerUrl);
      // The same site sends the cookie along; the API refuses it, and the page reads nothing.
      const attempts = await stranger.evaluate(async (apiUrl) => {
        const outcome = async (request: Promise<Response>) =>
          request.then(
            async (response) => `answered ${response.status}: ${await response.text()}`,
            (error: unknown) => `failed: ${String(error)}`,
          );
        return {
          // A "simple" request: no preflight, the cookie goes along, without X-Token-Transport.
          // no-cors, so the request is made whatever the answer; the page gets an opaque response.
          refresh: await outcome(
            fetch(`${apiUrl}/v1/auth/refresh`, { method: 'POST', credentials: 'include', mode: 'no-cors' }),
          ),
          logout: await outcome(
            fetch(`${apiUrl}/v1/auth/logout`, { method: 'POST', credentials: 'include', mode: 'no-cors' }),
          ),
          // With the header, as the SDK sends it: the preflight from an unlisted origin is refused.
          withHeader: await outcome(
            fetch(`${apiUrl}/v1/auth/refresh`, {
              method: 'POST',
              credentials: 'include',
              headers: { 'x-token-transport': 'cookie' },
            }),
          ),
        };
      }, stage.apiUrl);
      await screenshot(stranger, 'stranger', '1-refused');

      // The API refused both cookie requests (403, the token left untouched), and the page could
      // read nothing: an opaque answer, or none at all.
      // The API refused every cookie request from that origin (403, the token left untouched):
      // the two above, the preflight of the third, and the copy of the app's own on that page.
      // And the page read nothing: the browser gave it no response at all.
      const statuses = [...answers]
        .filter(([requestId]) => urls.get(requestId)?.startsWith(stage.apiUrl))
        .map(([, status]) => status);
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      expect(statuses.every((status) => status === 403)).toBe(true);
      for (const attempt of Object.values(attempts)) expect(attempt).toMatch(/^failed: TypeError/);

      // The session is untouched: the same cookie, still refreshable, no reuse detected.
      expect((await refreshCookie(context))?.value).toBe(before?.value);
      const [session] = await sessionsOf(stage.db, user.email);
      expect(session).toMatchObject({ tokens: 1, revoked_at: null, reuse_detected_at: null });
      await app.reload();
      await signedIn(app);
    });
  });

  it('two tabs whose access tokens expire together keep working, with one rotation per refresh round', async () => {
    await inNewContext(stage, async (context) => {
      const { page: a, user } = await signedInTab(context, stage);
      const b = await context.newPage();
      await b.goto(stage.demoUrl);
      await signedIn(b);
      const started = Date.now();
      // Two lives of the access token, each tab calling the API every second.
      await a.waitForTimeout(2 * ACCESS_TOKEN_TTL_SECONDS * 1000);
      const elapsedSeconds = (Date.now() - started) / 1000;
      await screenshot(a, 'two-tabs', '1-tab-a');
      await screenshot(b, 'two-tabs', '2-tab-b');

      for (const tab of [a, b]) {
        const calls = await callCounts(tab);
        expect(calls.failed).toBe(0);
        expect(calls.ok).toBeGreaterThanOrEqual(elapsedSeconds - 5);
      }
      const [session] = await sessionsOf(stage.db, user.email);
      expect(session).toMatchObject({ revoked_at: null, reuse_detected_at: null });
      // Each tab refreshing on its own would rotate twice per life of the token; shared, once
      // (tab B's first refresh on opening included, and a round that falls due as the wait ends).
      const rounds = Math.ceil(elapsedSeconds / (ACCESS_TOKEN_TTL_SECONDS * 0.7));
      expect(session!.tokens - 1).toBeLessThanOrEqual(rounds + 1);
    });
  }, 90_000);

  it('a refresh whose response is lost on the way is retried within the grace window, and the session survives', async () => {
    await inNewContext(stage, async (context) => {
      const { page, user } = await signedInTab(context, stage);
      let lost: { status: number } | undefined;
      await context.route('**/v1/auth/refresh', async (route) => {
        if (lost || route.request().method() !== 'POST') return route.continue();
        // The server answers (and rotates), then the connection drops before the browser has the
        // answer: it keeps the cookie it had, and the page sees a network error.
        const held = await refreshCookie(context);
        const answer = await route.fetch();
        lost = { status: answer.status() };
        if (held) await context.addCookies([held]);
        await route.abort('connectionreset');
      });
      // The first refresh comes at 7 to 8 s of the token's 10; then the retry, and a few calls.
      for (let waited = 0; !lost && waited < ACCESS_TOKEN_TTL_SECONDS * 1000; waited += 250)
        await page.waitForTimeout(250);
      await page.waitForTimeout(3_000);
      await screenshot(page, 'lost-response', '1-still-signed-in');

      expect(lost).toEqual({ status: 200 });
      await expect(page.getByTestId('status').textContent()).resolves.toBe('signed in');
      expect((await callCounts(page)).failed).toBe(0);
      const [session] = await sessionsOf(stage.db, user.email);
      expect(session).toMatchObject({ revoked_at: null, reuse_detected_at: null });
    });
  }, 60_000);

  it('five tabs calling the API through a minute of 10-second tokens: no failure, no reuse detected', async () => {
    await inNewContext(stage, async (context) => {
      const { page: first, user } = await signedInTab(context, stage);
      const others = await Promise.all(Array.from({ length: 4 }, () => context.newPage()));
      const tabs = [first, ...others];
      // Each tab calls a protected endpoint every 250 ms (the first reloads to do the same).
      for (const tab of tabs) await tab.goto(`${stage.demoUrl}/?every=250`);
      await Promise.all(tabs.map((tab) => signedIn(tab)));
      await first.waitForTimeout(60_000);
      for (const [index, tab] of tabs.entries()) await screenshot(tab, 'five-tabs', `tab-${index + 1}`);

      for (const tab of tabs) {
        const calls = await callCounts(tab);
        expect(calls.failed).toBe(0);
        expect(calls.ok).toBeGreaterThan(100);
      }
      const { rows } = await stage.db.query<{ type: string; count: number }>(
        `select e.type, count(*)::int as count from auth_events e join accounts a on a.id = e.user_id
         where a.email = $1 group by e.type`,
        [user.email],
      );
      const events = Object.fromEntries(rows.map(({ type, count }) => [type, count]));
      expect(events.RefreshTokenReuseDetected).toBeUndefined();
      expect(events.SessionRevoked).toBeUndefined();
      const [session] = await sessionsOf(stage.db, user.email);
      expect(session).toMatchObject({ revoked_at: null, reuse_detected_at: null });
    });
  }, 120_000);
});
