import { createLatchkeyClient, LatchkeyError, type Session } from '@latchkey/client';

/** The demo's elements, by their data-testid (the browser suite finds them the same way). */
const element = <T extends HTMLElement = HTMLElement>(id: string): T =>
  document.querySelector<T>(`[data-testid="${id}"]`)!;

/** How often the protected call runs: every second, or `?every=<ms>` (50 at least). */
const PROTECTED_CALL_INTERVAL_MS = Math.max(
  50,
  Number(new URLSearchParams(location.search).get('every') ?? 1_000) || 1_000,
);

async function main(): Promise<void> {
  // Where the API is: served beside the app (serve.mjs writes it from LATCHKEY_API_URL).
  const { apiUrl } = (await (await fetch('./config.json')).json()) as { apiUrl: string };
  const latchkey = createLatchkeyClient({ baseUrl: apiUrl, transport: 'cookie', deviceId: 'web-demo' });
  const calls = { ok: 0, failed: 0 };
  let loop: ReturnType<typeof setInterval> | undefined;

  const say = (status: string, error?: unknown) => {
    element('status').textContent = status;
    element('error').textContent =
      error instanceof LatchkeyError
        ? `${error.code}: ${error.message} (trace ${error.traceId ?? '-'})`
        : error
          ? String(error)
          : '';
  };

  const showSignedOut = (why?: string) => {
    clearInterval(loop);
    loop = undefined;
    element('signed-in-view').hidden = true;
    element('signed-out-view').hidden = false;
    say(why ? `signed out (${why})` : 'signed out');
  };

  const showSignedIn = async () => {
    const user = await latchkey.me();
    element('me-email').textContent = user.email;
    element('signed-out-view').hidden = true;
    element('signed-in-view').hidden = false;
    say('signed in');
    loop ??= setInterval(() => void protectedCall(), PROTECTED_CALL_INTERVAL_MS);
  };

  // A call to a protected endpoint, again and again, so that expiry and refresh are visible.
  const protectedCall = async () => {
    try {
      await latchkey.me();
      element('calls-ok').textContent = String(++calls.ok);
    } catch (error) {
      element('calls-failed').textContent = String(++calls.failed);
      say(element('status').textContent ?? '', error);
    }
    const expiresAt = latchkey.expiresAt;
    element('expires-in').textContent = expiresAt
      ? String(Math.max(0, Math.round((expiresAt - Date.now()) / 1000)))
      : '?';
  };

  latchkey.onSessionChange((event) => {
    if (event.type === 'signed-out') showSignedOut(event.reason);
    else if (event.type === 'signed-in') void showSignedIn().catch((error: unknown) => say('error', error));
  });

  element<HTMLFormElement>('register-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    latchkey
      .register({
        name: String(form.get('name')),
        email: String(form.get('email')),
        password: String(form.get('password')),
      })
      .then(
        () => say('registered: log in'),
        (error: unknown) => say('registration failed', error),
      );
  });
  element<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    latchkey
      .login({ email: String(form.get('email')), password: String(form.get('password')) })
      .catch((error: unknown) => say('login failed', error));
  });
  element('logout').addEventListener(
    'click',
    () => void latchkey.logout().catch((error: unknown) => say('error', error)),
  );
  element('logout-everywhere').addEventListener(
    'click',
    () => void latchkey.logout({ allDevices: true }).catch((error: unknown) => say('error', error)),
  );
  element('load-sessions').addEventListener(
    'click',
    () => void showSessions(latchkey.sessions(), latchkey.revokeSession.bind(latchkey)),
  );

  // After a reload the tab holds no access token; the refresh cookie, if any, signs it back in.
  await showSignedIn().catch(() => showSignedOut());
}

async function showSessions(
  sessions: Promise<Session[]>,
  revoke: (id: string) => Promise<void>,
): Promise<void> {
  const table = element<HTMLTableElement>('sessions');
  const body = table.tBodies[0]!;
  body.replaceChildren();
  for (const session of await sessions) {
    const row = body.insertRow();
    row.dataset.testid = 'session-row';
    row.insertCell().textContent = `${session.deviceId ?? 'unknown device'}${session.current ? ' (this one)' : ''}`;
    row.insertCell().textContent = new Date(session.lastUsedAt).toLocaleString();
    const button = document.createElement('button');
    button.textContent = 'Sign out this device';
    button.dataset.testid = 'revoke-session';
    button.addEventListener('click', () => void revoke(session.id).then(() => row.remove()));
    row.insertCell().append(button);
  }
  table.hidden = false;
}

void main();
