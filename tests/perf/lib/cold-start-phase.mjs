// The bench's cold-start phase (the serverless deployment, docs/decisions/0014-serverless-deployment.md):
// each function bundled as it would be deployed (pnpm serverless:bundle: esbuild, one directory and
// zip per function), then the HTTP function's cold start, several times, each in a fresh process:
// its init (importing the bundle runs it: configuration, the Nest application, its pool) and its
// first and second invocation (GET /health/ready: the pool's first connection, the database and
// Redis). Lambda's own bootstrap of the runtime is not in these figures; its Init Duration adds it.
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './api-modules.mjs';
import { runChild } from './child.mjs';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function reachable(url) {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** `context`: env, database, log, rounds. Returns `{ bundles, coldStarts, median }` or `{ skipped }`. */
export async function coldStartPhase({ env, database, log, rounds }) {
  const redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!database) return { skipped: 'PGlite: Lambda needs DATABASE_URL (environments cannot share PGlite)' };
  if (!(await reachable(redisUrl)))
    return { skipped: `no Redis at ${redisUrl} (REDIS_URL is required on Lambda in production)` };

  log('cold start: bundling the functions (pnpm serverless:bundle)');
  const { bundleFunctions } = await import(
    pathToFileURL(path.join(REPO_ROOT, 'apps', 'serverless', 'scripts', 'bundle.mjs')).href
  );
  const bundles = await bundleFunctions();
  const http = bundles.find((fn) => fn.function === 'http');
  const coldStarts = [];
  for (let round = 0; round < rounds; round++) {
    log(`cold start: round ${round + 1} of ${rounds} (a fresh process imports the HTTP bundle)`);
    coldStarts.push(
      await runChild(
        path.join(path.dirname(new URL(import.meta.url).pathname), 'lambda-cold-start.mjs'),
        { entry: http.entry, path: '/health/ready' },
        { env: { ...env, REDIS_URL: redisUrl, DATABASE_POOL_MAX: '2' } },
      ),
    );
  }
  const of = (key) => Math.round(median(coldStarts.map((start) => start[key])) * 10) / 10;
  return {
    // Where each bundle lies on this machine is no result.
    bundles: bundles.map((fn) => Object.fromEntries(Object.entries(fn).filter(([key]) => key !== 'entry'))),
    coldStarts,
    median: { initMs: of('initMs'), firstMs: of('firstMs'), warmMs: of('warmMs'), rssMb: of('rssMb') },
  };
}
