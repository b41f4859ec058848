import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'apps', 'api', 'dist', 'main.js');
/** `pnpm start:services`: the auth service, the user service and the gateway (on PORT). */
export const START_SERVICES = path.join(ROOT, 'scripts', 'start-services.cjs');
/** `pnpm serverless:local`: the HTTP function behind the local API Gateway and Lambda harness (on PORT). */
export const START_SERVERLESS = path.join(ROOT, 'apps', 'serverless', 'dist', 'local', 'main.js');

export interface Instance {
  url: string;
  child: ChildProcess;
  output: string[];
}

/**
 * A port to give a process that binds it later. Picked at random below Linux's ephemeral range
 * (32768-60999), which a port the kernel chose would be in: until the process binds it, an
 * outgoing connection (a database client's, a fetch's) could take that one for its own end, and
 * the process would fail with EADDRINUSE, as a CI run once did.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = net.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
}

/**
 * Starts the built API (`apps/api/dist/main.js`, built if missing) and waits until it is ready.
 * `logFile`: its output is also written there as it comes (what `pnpm start | tee` would keep).
 * `script`: another entry, e.g. `pnpm start:services`'s (its PORT is the gateway's).
 */
export async function startInstance(
  env: Record<string, string>,
  logFile?: string,
  script = MAIN,
): Promise<Instance> {
  if (!existsSync(MAIN)) execFileSync('pnpm', ['build'], { cwd: ROOT, stdio: 'ignore' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return spawnUntilReady(
    script,
    { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env, PORT: String(port) },
    url,
    `${url}/health/ready`,
    logFile,
  );
}

/**
 * Spawns `script` (a Node entry) with exactly `env`, and waits at most 30 s until `readyUrl`
 * answers 2xx; its output is kept (and written to `logFile` as it comes, if given).
 */
export async function spawnUntilReady(
  script: string,
  env: Record<string, string>,
  url: string,
  readyUrl: string,
  logFile?: string,
): Promise<Instance> {
  const output: string[] = [];
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => {
    output.push(chunk.toString());
    if (logFile) appendFileSync(logFile, chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${path.basename(script)} exited with ${child.exitCode}:\n${output.join('')}`);
    if (
      await fetch(readyUrl).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child, output };
    if (Date.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`${path.basename(script)} never became ready:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** SIGTERM, and wait for the graceful exit. */
export async function stopInstances(instances: Instance[]): Promise<void> {
  await Promise.all(
    instances.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
