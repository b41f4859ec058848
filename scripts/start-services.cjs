// `pnpm start:services`: the services deployment on one machine (docs/architecture.md,
// "Deployments"): the auth service, the user service and the gateway as three processes, each
// with a database of its own, the gateway on PORT. Same variables as the monolith for what they
// share; what is the services' own is derived here for one machine and can be set instead.
// For development and trials; in production run the three apps under an orchestrator of your
// own, with INTERNAL_AUTH_* from a secret store (`docker compose --profile services` runs them in
// containers).
// `pnpm services:users` runs the user service's operator command with the same derived variables.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { SERVICES, ensureInternalKeys, internalKeysOf } = require('./internal-keys.cjs');

const ROOT = path.resolve(__dirname, '..');
const METRICS_OFFSET = { gateway: 0, 'auth-service': 1, 'user-service': 2 };

/**
 * The environment of each process on this machine, derived from the monolith's variables (and
 * the services' own where set); `problem` when it cannot be derived.
 */
function localServicesEnv(env) {
  if (env.NODE_ENV === 'production')
    return {
      problem:
        'start:services keeps its internal keys on disk and is not for production; run the three apps (see docs/architecture.md)',
    };
  const port = Number(env.PORT ?? 3000);
  const ports = {
    gateway: port,
    'auth-service': Number(env.AUTH_SERVICE_PORT ?? port + 1),
    'user-service': Number(env.USER_SERVICE_PORT ?? port + 2),
  };
  // Each service owns its database: one server database cannot be shared between them (each would
  // relay the other's outbox), so DATABASE_URL alone is refused rather than guessed at.
  const databases = {
    'auth-service': env.AUTH_SERVICE_DATABASE_URL,
    'user-service': env.USER_SERVICE_DATABASE_URL,
  };
  if (env.DATABASE_URL && !(databases['auth-service'] && databases['user-service']))
    return {
      problem:
        'DATABASE_URL names one database, and each service needs its own: set AUTH_SERVICE_DATABASE_URL and USER_SERVICE_DATABASE_URL (or neither, for embedded PGlite per service)',
    };
  const dataDir = path.resolve(env.DATA_DIR ?? path.join(ROOT, '.data'));
  // Made on the first start and kept under DATA_DIR/internal-keys (mode 0600), so an operator
  // command (`pnpm services:users`) run beside the services signs with the keys the others share.
  const keys = ensureInternalKeys(path.join(dataDir, 'internal-keys'));
  const shared = {
    AUTH_SERVICE_URL: `http://127.0.0.1:${ports['auth-service']}`,
    USER_SERVICE_URL: `http://127.0.0.1:${ports['user-service']}`,
    // Tokens name the public entry as their issuer, whichever process mints or checks them.
    JWT_ISSUER: env.JWT_ISSUER ?? `http://localhost:${port}`,
  };
  const metricsPort = env.METRICS_PORT ? Number(env.METRICS_PORT) : undefined;
  const envs = Object.fromEntries(
    SERVICES.map((name) => {
      const own = {
        ...env,
        ...shared,
        PORT: String(ports[name]),
        DATA_DIR: path.join(dataDir, name),
        INTERNAL_AUTH_KEYS: internalKeysOf(keys, name),
        ...(metricsPort === undefined ? {} : { METRICS_PORT: String(metricsPort + METRICS_OFFSET[name]) }),
        // Each process names itself in its traces: `latchkey-gateway`, … (OTEL_SERVICE_NAME the prefix).
        OTEL_SERVICE_NAME: `${env.OTEL_SERVICE_NAME ?? 'latchkey'}-${name}`,
        // The services are reached through the gateway on this machine: its X-Forwarded-For names the client.
        ...(name === 'gateway' ? {} : { TRUST_PROXY: '127.0.0.1', HOST: '127.0.0.1' }),
      };
      delete own.DATABASE_URL;
      if (databases[name]) own.DATABASE_URL = databases[name];
      return [name, own];
    }),
  );
  return { envs };
}

function main() {
  const { envs, problem } = localServicesEnv({ ...process.env });
  if (problem) {
    process.stderr.write(`latchkey services: ${problem}\n`);
    process.exit(1);
  }
  if (!process.env.AMQP_URL)
    process.stderr.write(
      'latchkey services: AMQP_URL is not set: the services run, but no event backs up the direct calls between them (a change made while a service is down is not caught up) and profiles are built on first read only. Set AMQP_URL (RabbitMQ) for the full deployment.\n',
    );
  const children = new Map();
  let stopping = false;
  function stopAll(code) {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const exit = () => children.size === 0 && process.exit(code);
    for (const child of children.values()) child.on('exit', exit);
    exit();
  }
  for (const name of SERVICES) {
    const child = spawn(process.execPath, [path.join(ROOT, 'apps', name, 'dist', 'main.js')], {
      env: envs[name],
      stdio: 'inherit',
    });
    children.set(name, child);
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (!stopping) {
        process.stderr.write(
          `latchkey services: ${name} stopped (${signal ?? `exit ${code}`}); stopping the others\n`,
        );
        stopAll(code === 0 ? 1 : (code ?? 1));
      }
    });
  }
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => stopAll(0));
}

module.exports = { localServicesEnv };

if (require.main === module) main();
