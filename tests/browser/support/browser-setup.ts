import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import {
  freePort,
  type Instance,
  spawnUntilReady,
  startInstance,
  stopInstances,
} from '../../support/processes';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DEMO_DIST = path.join(ROOT, 'apps', 'web-demo', 'dist');
/** Screenshots of each step: CI keeps them as artifacts; never committed (.gitignore). */
export const ARTIFACTS = path.join(ROOT, 'tests', 'browser', 'artifacts');

// Debian's Chromium, headless, as root on a closed network (../shared/NOTES.md): no sandbox, no
// GPU, and none of its calls home.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const ACCESS_TOKEN_TTL_SECONDS = 10;

/**
 * The real API (the built process, on PostgreSQL from TEST_DATABASE_URL, in a database of its
 * own) at http://localhost:A; the web demo, served from its build, at http://localhost:B: two
 * origins of one site, as `app.example.com` and `auth.example.com` are. A third origin,
 * http://localhost:C, is a page the API does not list in CORS_ORIGINS.
 */
export interface BrowserStage {
  browser: Browser;
  apiUrl: string;
  demoUrl: string;
  strangerUrl: string;
  /** The API's database, to read what the server did (rotations, reuse detections). */
  db: Client;
  close(): Promise<void>;
}

export async function setUpStage(): Promise<BrowserStage> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl)
    throw new Error(
      'the browser suite reads the API database: set TEST_DATABASE_URL (see README, "Test it")',
    );
  if (!existsSync(path.join(DEMO_DIST, 'index.html')))
    execFileSync('pnpm', ['--filter', '@latchkey/web-demo', 'build'], { cwd: ROOT, stdio: 'ignore' });
  mkdirSync(ARTIFACTS, { recursive: true });

  const name = `latchkey_browser_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${name}`;

  const demoPort = await freePort();
  const strangerPort = await freePort();
  const demoUrl = `http://localhost:${demoPort}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-browser-'));
  const api: Instance = await startInstance({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl.toString(),
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS),
    CORS_ORIGINS: demoUrl,
    RATE_LIMIT_REFRESH_IP: '100000/1m',
    RATE_LIMIT_LOGIN_IP: '100000/1m',
    RATE_LIMIT_REGISTER_IP: '100000/1m',
  });
  const apiUrl = api.url.replace('127.0.0.1', 'localhost');
  // The demo as `pnpm --filter @latchkey/web-demo start` serves it; the stranger is any other page.
  const demo = await serveDemo(apiUrl, demoPort);
  const stranger = await serveDemo(apiUrl, strangerPort);
  const db = new Client({ connectionString: databaseUrl.toString() });
  await db.connect();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });

  return {
    browser,
    apiUrl,
    demoUrl,
    strangerUrl: `http://localhost:${strangerPort}`,
    db,
    async close() {
      await browser.close();
      await db.end();
      await stopInstances([api, demo, stranger]);
      const cleanup = new Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `apps/web-demo/serve.mjs` on localhost:port, once it answers. */
function serveDemo(apiUrl: string, port: number): Promise<Instance> {
  const url = `http://localhost:${port}`;
  return spawnUntilReady(
    path.join(ROOT, 'apps', 'web-demo', 'serve.mjs'),
    { PATH: process.env.PATH ?? '', PORT: String(port), LATCHKEY_API_URL: apiUrl },
    url,
    `${url}/config.json`,
  );
}

/** A unique user with a policy-compliant password. */
export function aBrowserUser(): { name: string; email: string; password: string } {
  const id = randomBytes(4).toString('hex');
  return {
    name: `Tab ${id}`,
    email: `browser-${id}@example.com`,
    password: 'a long and unremarkable passphrase',
  };
}

/** A browser of its own (its own cookie jar), closed after `work`. */
export async function inNewContext(
  stage: BrowserStage,
  work: (context: BrowserContext) => Promise<void>,
): Promise<void> {
  const context = await stage.browser.newContext();
  try {
    await work(context);
  } finally {
    await context.close();
  }
}

/** A tab of `context` on the demo, signed in as a new user (registered and logged in there). */
export async function signedInTab(
  context: BrowserContext,
  stage: BrowserStage,
): Promise<{ page: Page; user: ReturnType<typeof aBrowserUser> }> {
  const page = await context.newPage();
  await page.goto(stage.demoUrl);
  const user = aBrowserUser();
  await registerAndLogIn(page, user);
  return { page, user };
}

/** Registers and logs in through the demo's own forms. */
export async function registerAndLogIn(page: Page, user: ReturnType<typeof aBrowserUser>): Promise<void> {
  const register = page.getByTestId('register-form');
  await register.locator('[name=name]').fill(user.name);
  await register.locator('[name=email]').fill(user.email);
  await register.locator('[name=password]').fill(user.password);
  await register.getByRole('button').click();
  await page.getByTestId('status').filter({ hasText: 'registered' }).waitFor();
  await logIn(page, user);
}

export async function logIn(page: Page, user: { email: string; password: string }): Promise<void> {
  const login = page.getByTestId('login-form');
  await login.locator('[name=email]').fill(user.email);
  await login.locator('[name=password]').fill(user.password);
  await login.getByRole('button').click();
  await signedIn(page);
}

export async function signedIn(page: Page): Promise<void> {
  await page
    .getByTestId('status')
    .filter({ hasText: /^signed in$/ })
    .waitFor({ timeout: 10_000 });
}

export async function signedOut(page: Page, timeout = 10_000): Promise<void> {
  await page
    .getByTestId('status')
    .filter({ hasText: /^signed out/ })
    .waitFor({ timeout });
}

/** Writes `<test>-<step>.png` into the artifacts folder. */
export async function screenshot(page: Page, test: string, step: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${test}-${step}.png`), fullPage: true });
}

/** The demo's counters of protected calls. */
export async function callCounts(page: Page): Promise<{ ok: number; failed: number }> {
  const [ok, failed] = await Promise.all([
    page.getByTestId('calls-ok').textContent(),
    page.getByTestId('calls-failed').textContent(),
  ]);
  return { ok: Number(ok), failed: Number(failed) };
}

/** The refresh cookie as the browser holds it. */
export async function refreshCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === '__Secure-lk_refresh');
}

/** What the server did to a user's sessions: refresh tokens issued, reuse detected, revoked. */
export async function sessionsOf(
  db: Client,
  email: string,
): Promise<{ id: string; tokens: number; reuse_detected_at: Date | null; revoked_at: Date | null }[]> {
  const { rows } = await db.query(
    `select s.id, (select count(*)::int from refresh_tokens t where t.session_id = s.id) as tokens,
            s.reuse_detected_at, s.revoked_at
     from sessions s join accounts a on a.id = s.user_id
     where a.email = $1 order by s.created_at`,
    [email],
  );
  return rows;
}
