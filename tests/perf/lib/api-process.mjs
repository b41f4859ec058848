import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { API_DIST, REPO_ROOT } from './api-modules.mjs';

const run = promisify(execFile);

/** Every variable the API reads, from .env.example: none of the caller's own may leak in. */
function apiVariableNames() {
  const example = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8');
  return [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
}

/**
 * Production mode, as `pnpm start:prod` runs it, with what production requires (issuer, pepper,
 * an operator-made signing key) and two deliberate departures, both printed in the report:
 * the rate limits and the lockout threshold are raised, or a load generator on one loopback
 * address would (rightly) get 429s after a few requests; the bench measures the work behind them.
 * UV_THREADPOOL_SIZE is left as the caller has it, and reported.
 */
export function apiEnvironment({ port, dataDir, databaseUrl }) {
  const env = { ...process.env };
  for (const name of apiVariableNames()) delete env[name];
  return {
    ...env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    // Without a server, the embedded database, which production takes only when told to.
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { ALLOW_EMBEDDED_DATABASE: 'true' }),
    KEYS_STORE: 'file',
    KEYS_DIR: path.join(dataDir, 'keys'),
    JWT_ISSUER: 'https://latchkey-bench.invalid',
    REFRESH_TOKEN_PEPPER: randomBytes(36).toString('base64url'),
    APP_BASE_URL: 'https://app.latchkey-bench.invalid',
    // Registration queues a verification email; the bench has no mail server to measure.
    MAIL_TRANSPORT: 'log',
    RATE_LIMIT_LOGIN_IP: '1000000/1m',
    RATE_LIMIT_LOGIN_EMAIL: '1000000/1m',
    RATE_LIMIT_REGISTER_IP: '1000000/1m',
    RATE_LIMIT_REFRESH_IP: '1000000/1m',
    RATE_LIMIT_LOGOUT_IP: '1000000/1m',
    LOGIN_LOCKOUT_THRESHOLD: '10000',
    // The scheduled clean-up runs only where the bench starts it (the events phase): at its
    // default interval it would end seeded sessions in the middle of another measurement.
    CLEANUP_INTERVAL: '0',
  };
}

/**
 * Production refuses to start without an operator-made active key, so the bench makes one the
 * way an operator would (runbook: `pnpm keys add`, then `activate`; --force skips the JWKS cache
 * wait, which protects verifiers that do not exist here). The first CLI call also migrates.
 */
export async function provisionSigningKey(env, cwd) {
  const keys = (...args) =>
    run(process.execPath, [path.join(API_DIST, 'cli/keys.js'), ...args], { env, cwd });
  const { stdout } = await keys('add');
  const kid = /^added (\S+)/m.exec(stdout)?.[1];
  if (!kid) throw new Error(`unexpected output from keys add: ${stdout}`);
  await keys('activate', kid, '--force');
  return kid;
}

/**
 * A port for a process that binds it later: at random below Linux's ephemeral range, checked
 * bindable, as tests/support/processes.ts picks one (a kernel-chosen port can be taken by an
 * outgoing connection before the process binds it).
 */
export async function freePort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const bound = await new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
}

/**
 * `node apps/api/dist/main.js` directly (not through pnpm), so its pid is the API's for RSS.
 * `main`: another built entry (a service of the services deployment).
 */
export async function startApi(env, { cwd, logFile, nodeArgs = [], main = path.join(API_DIST, 'main.js') }) {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env,
    cwd,
    stdio: ['ignore', log, log],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`the API exited during start-up; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`the API was not ready within 90 s; see ${logFile}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    pid: child.pid,
    url,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
