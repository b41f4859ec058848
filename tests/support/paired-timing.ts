import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTestDatabase } from '@latchkey/platform/testing';
import { median } from './median';
import {
  freePort,
  type Instance,
  START_SERVERLESS,
  START_SERVICES,
  startInstance,
  stopInstances,
} from './processes';
import { testTarget } from './test-app';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';
import { AUTH_SERVICE_MIGRATIONS } from '../../apps/auth-service/src/paths';
import { USER_SERVICE_MIGRATIONS } from '../../apps/user-service/src/paths';

/**
 * The paired difference may be this share of a response's time, or 3 ms, whichever is more:
 * scheduling noise on a busy 2-core runner reaches a millisecond or two, while the oracles these
 * tests pin showed as 5-12 ms here.
 */
export const TIMING_TOLERANCE = 0.2;
export const TIMING_FLOOR_MS = 3;

export interface PairedTiming {
  /** Median time of the first of each pair. */
  firstMedianMs: number;
  /** Median of (second − first) over the pairs. */
  differenceMs: number;
  /** What the difference may be at most: the tolerance of the first's median, or the floor. */
  allowedMs: number;
}

/**
 * Times `first` and `second` back to back (each goes first in turn), `samples` times after
 * `warmUp` pairs, and compares them by the median of their differences: drift on a busy machine
 * (other test workers, GC) moves both halves of a pair alike and cancels out. Each function returns the milliseconds it timed.
 */
export async function pairedTiming(
  first: () => Promise<number>,
  second: () => Promise<number>,
  { warmUp = 5, samples = 60 }: { warmUp?: number; samples?: number } = {},
): Promise<PairedTiming> {
  for (let i = 0; i < warmUp; i++) {
    await first();
    await second();
  }
  const firsts: number[] = [];
  const differences: number[] = [];
  for (let i = 0; i < samples; i++) {
    // Which goes first alternates, so whatever favours a pair's first or second half (a periodic
    // load, the wait between requests) favours each side equally often.
    let a: number;
    let b: number;
    if (i % 2 === 0) {
      a = await first();
      b = await second();
    } else {
      b = await second();
      a = await first();
    }
    firsts.push(a);
    differences.push(b - a);
  }
  const firstMedianMs = median(firsts);
  return {
    firstMedianMs,
    differenceMs: median(differences),
    allowedMs: Math.max(TIMING_FLOOR_MS, firstMedianMs * TIMING_TOLERANCE),
  };
}

/**
 * One timed request against an instance in its own process; afterwards the server is let go idle,
 * so the next sample times one response, not the tail of this one's after-response work.
 */
export async function timedRequest(
  url: string,
  send: () => Promise<Response>,
): Promise<{ ms: number; status: number; body: string }> {
  const started = process.hrtime.bigint();
  const response = await send();
  const body = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await new Promise((resolve) => setTimeout(resolve, 40));
  await fetch(`${url}/health`); // answered once the server's event loop is free again
  return { ms, status: response.status, body };
}

/**
 * The API in a process of its own, on a fresh database (PostgreSQL when the suites run on it,
 * else PGlite embedded under a scratch DATA_DIR), as real clients meet it: in-process, the client
 * would share the server's event loop, and PGlite (WebAssembly, synchronous) would bill the
 * server's after-response work to the client's reading of the response. On the services target,
 * `pnpm start:services`' three processes (a database for each service), reached at the gateway.
 */
export async function startTimedInstance(
  env: Record<string, string>,
): Promise<{ api: Instance; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-timing-'));
  const services = testTarget() === 'services';
  const probes = await Promise.all(
    services
      ? [openTestDatabase(AUTH_SERVICE_MIGRATIONS), openTestDatabase(USER_SERVICE_MIGRATIONS)]
      : [openTestDatabase(MIGRATION_PLAN)],
  );
  const databases = probes.every((probe) => probe.kind === 'postgres') ? probes : [];
  // PGlite: each process embeds its own, under DATA_DIR.
  if (databases.length === 0) await Promise.all(probes.map((probe) => probe.dispose()));
  const [first, second] = databases;
  const where: Record<string, string> = services
    ? {
        AUTH_SERVICE_PORT: String(await freePort()),
        USER_SERVICE_PORT: String(await freePort()),
        ...(first?.url && second?.url
          ? { AUTH_SERVICE_DATABASE_URL: first.url, USER_SERVICE_DATABASE_URL: second.url }
          : {}),
      }
    : first?.url
      ? { DATABASE_URL: first.url }
      : {};
  const api = await startInstance(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      ...where,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      ...env,
    },
    undefined,
    services ? START_SERVICES : testTarget() === 'serverless' ? START_SERVERLESS : undefined,
  );
  return {
    api,
    async stop() {
      await stopInstances([api]);
      await Promise.all(databases.map((database) => database.dispose()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
