// Chooses the database server for the whole run, before any worker starts (workers inherit env):
// TEST_DATABASE_URL when given; else a testcontainers PostgreSQL when a Docker engine answers;
// else nothing, and each test file uses PGlite in memory.
const { existsSync } = require('node:fs');
const net = require('node:net');

const DOCKER_PROBE_TIMEOUT_MS = 5_000;

function dockerEngineMayExist() {
  if (process.env.DOCKER_HOST) return true;
  return existsSync('/var/run/docker.sock') || existsSync(`${process.env.HOME}/.docker/run/docker.sock`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** RESP `PING` over a socket: true when a Redis server answers +PONG within 500 ms. */
function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 6379), hostname);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

// Redis suites (shared rate limits) need a real server: TEST_REDIS_URL when given (then it must
// answer), else the local default when it answers; otherwise they are skipped, and said so.
async function chooseRedis() {
  const required = process.env.TEST_REDIS_URL;
  const url = required ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) {
    process.env.TEST_REDIS_URL = url;
    console.log(`[test-redis] Redis at ${url}`);
  } else if (required) {
    throw new Error(`TEST_REDIS_URL=${required} does not answer PING`);
  } else {
    console.log(`[test-redis] no Redis at ${url}: Redis-backed suites are skipped`);
  }
}

module.exports = async function globalSetup() {
  await chooseRedis();
  if (process.env.TEST_DATABASE_URL) {
    console.log(`\n[test-db] PostgreSQL from TEST_DATABASE_URL (one fresh database per test file)`);
    return;
  }
  if (!dockerEngineMayExist()) {
    console.log(
      '\n[test-db] no Docker engine (no socket, no DOCKER_HOST): skipping testcontainers; PGlite in memory',
    );
    return;
  }
  try {
    // Imported lazily: testcontainers 12 throws on import under Node 20, and nothing needs it
    // when there is no engine.
    const { getContainerRuntimeClient } = require('testcontainers');
    const { PostgreSqlContainer } = require('@testcontainers/postgresql');
    await withTimeout(getContainerRuntimeClient(), DOCKER_PROBE_TIMEOUT_MS, 'the Docker engine');
    const container = await withTimeout(
      new PostgreSqlContainer('postgres:17-alpine').start(),
      120_000,
      'testcontainers',
    );
    globalThis.__latchkeyContainer = container;
    process.env.TEST_DATABASE_URL = container.getConnectionUri();
    console.log(
      `\n[test-db] PostgreSQL from testcontainers at ${container.getHost()}:${container.getPort()}`,
    );
  } catch (error) {
    console.log(`\n[test-db] testcontainers unavailable (${error.message.split('\n')[0]}); PGlite in memory`);
  }
};
