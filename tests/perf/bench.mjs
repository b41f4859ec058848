// `pnpm bench [--quick] [--no-build] [--profile] [--only=gateway]`: throughput and latency of the hot
// endpoints, each set against a ceiling measured in the same run on the same machine. Markdown on
// stdout, JSON in tests/perf/results/latest.json, progress on stderr. docs/performance.md explains
// the method. `--only=gateway` runs the gateway phase alone (after the same setup), for working on
// the services path: its table on stdout, its JSON in tests/perf/results/gateway.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadApiConfig, REPO_ROOT, requireFromApi } from './lib/api-modules.mjs';
import { apiEnvironment, freePort, provisionSigningKey, startApi } from './lib/api-process.mjs';
import { runChild, startChild } from './lib/child.mjs';
import { createScratchDatabase, openSql } from './lib/database.mjs';
import { describeMachine, loadAverage } from './lib/machine.mjs';
import {
  cpuSecondsOf,
  mainThreadCpuSecondsOf,
  postgresCpuSecondsOf,
  RssSampler,
} from './lib/rss-sampler.mjs';
import { BENCH_PASSWORD, benchEmail, countSessions, seedSessionsUpTo, seedUsers } from './lib/seed.mjs';
import { eventsPhase } from './lib/events-phase.mjs';
import { tracingPhase } from './lib/tracing-phase.mjs';
import { gatewayPhase } from './lib/gateway-phase.mjs';
import { coldStartPhase } from './lib/cold-start-phase.mjs';
import { gatewaySection, harnessProblems, renderMarkdown } from './report.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args].find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
if (only !== undefined && only !== 'gateway') throw new Error(`--only: unknown phase ${only} (gateway)`);

const PROFILE = quick
  ? {
      seconds: 2,
      warmupSeconds: 1,
      ceilingSeconds: 2,
      sessions: [10_000, 20_000],
      soakRefreshes: 1_000,
      relayEvents: 2_000,
      expiredSessions: 10_000,
      // --quick proves the harness (CI runs it); its numbers are not judged, so one round each.
      tracingRounds: 1,
      tracingSeconds: 2,
      gatewayRounds: 1,
      gatewaySeconds: 2,
      coldStartRounds: 2,
      idleSettleMaxSeconds: 10,
      eventsOffTwice: false,
    }
  : {
      seconds: 15,
      warmupSeconds: 3,
      ceilingSeconds: 10,
      sessions: [10_000, 1_000_000],
      soakRefreshes: 100_000,
      relayEvents: 50_000,
      expiredSessions: 300_000,
      tracingRounds: 5,
      tracingSeconds: 5,
      gatewayRounds: 5,
      gatewaySeconds: 5,
      coldStartRounds: 7,
      idleSettleMaxSeconds: 60,
      eventsOffTwice: true,
    };
// Closed-loop connections per scenario class. Login and register: twice the hasher's default cap
// on two cores, so the semaphore never idles between requests. Refresh: the default pg pool.
const CONNECTIONS = { light: 32, password: 4, refresh: 10 };
const USERS = 100;
/** The seeded users' emails (seed.mjs) and the password they share: what login scenarios send. */
const LOGIN_DATA = {
  emails: Array.from({ length: USERS }, (_, n) => benchEmail(n)),
  password: BENCH_PASSWORD,
};
const SETUP_SESSIONS = { me: CONNECTIONS.light, refresh: CONNECTIONS.refresh };

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let apiLogFile;
/** Run in order on exit, success or not: the API, the scratch database, the temporary directory. */
const cleanups = [];
async function cleanUp() {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
    await cleanup().catch((error) => log(`cleanup: ${error.message}`));
  }
}
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

function build() {
  log('building the API (pnpm build)');
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['build'], { cwd: REPO_ROOT, stdio: ['ignore', process.stderr, 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`pnpm build exited with ${code}`)),
    );
  });
}

/**
 * One scenario from the load process. With `cpuPid`, also the CPU time that process (the API, or
 * a bare ceiling server) spent per request during the timed run (with `cpuPids`, each of several), and with `database` that of the
 * PostgreSQL backends serving it: on a shared machine CPU per request is steadier than req/s,
 * which moves with whatever else is running.
 */
async function load(
  scenario,
  url,
  connections,
  { cpuPid, cpuPids = {}, database, brokerPid, ...options } = {},
) {
  const cpu = {};
  /** `cpuPids`: several processes serving together (the services deployment), each on its own. */
  const cpuOf = Object.fromEntries(Object.keys(cpuPids).map((name) => [name, {}]));
  const mainCpu = {};
  const dbCpu = {};
  const brokerCpu = {};
  const result = await runChild(
    here('./load/load-worker.mjs'),
    {
      scenario,
      url,
      connections,
      seconds: PROFILE.seconds,
      warmupSeconds: PROFILE.warmupSeconds,
      data: {},
      ...options,
    },
    {
      onMark: (name) => {
        if (cpuPid) {
          cpu[name] = cpuSecondsOf(cpuPid);
          mainCpu[name] = mainThreadCpuSecondsOf(cpuPid);
        }
        for (const [process, pid] of Object.entries(cpuPids)) cpuOf[process][name] = cpuSecondsOf(pid);
        if (database) dbCpu[name] = postgresCpuSecondsOf(database);
        if (brokerPid) brokerCpu[name] = cpuSecondsOf(brokerPid);
      },
    },
  );
  const requests = result.ok + result.non2xx;
  const perRequest = ({ start, end }) =>
    start !== undefined && end !== undefined && requests > 0
      ? Number((((end - start) * 1000) / requests).toFixed(3))
      : undefined;
  result.cpuMsPerRequest = perRequest(cpu);
  result.mainThreadCpuMsPerRequest = perRequest(mainCpu);
  result.postgresCpuMsPerRequest = perRequest(dbCpu);
  result.brokerCpuMsPerRequest = perRequest(brokerCpu);
  if (Object.keys(cpuPids).length > 0)
    result.cpuMsPerRequestOf = Object.fromEntries(
      Object.entries(cpuOf).map(([process, marks]) => [process, perRequest(marks)]),
    );
  return result;
}

/**
 * The argon2id ceiling as the mean of its two measurements (ops/s, latency, CPU per operation),
 * each kept as measured under `runs`.
 */
function bracketed(before, after) {
  const mean = (a, b) =>
    Object.fromEntries(
      Object.entries(a).map(([key, value]) => [
        key,
        typeof value === 'number' && typeof b[key] === 'number'
          ? Number(((value + b[key]) / 2).toFixed(3))
          : value,
      ]),
    );
  return {
    ...before,
    verify: mean(before.verify, after.verify),
    hash: mean(before.hash, after.hash),
    runs: { beforeLogin: before, afterRegistration: after },
  };
}

/**
 * The API's RSS once V8 has let go of what start-up needed. Start-up grows V8's young generation
 * to its maximum and V8 keeps it until its memory reducer finds the process idle, some 15 to 25 s
 * later on the reference machine. Waits (idle, at most `idleSettleMaxSeconds`: a minute, ten
 * seconds with --quick) for RSS to fall 5 % below its reading 2 s after start-up, then reads it
 * again 2 s later.
 */
async function settledIdleRss(rss, startUpMb) {
  const waitedFrom = Date.now();
  const seconds = () => Math.round((Date.now() - waitedFrom) / 1000) + 2;
  while (Date.now() - waitedFrom < PROFILE.idleSettleMaxSeconds * 1000) {
    await sleep(1_000);
    if (rss.sample() < startUpMb * 0.95) {
      await sleep(2_000);
      return { mb: rss.sample(), afterSeconds: seconds() };
    }
  }
  return { mb: rss.sample(), afterSeconds: null }; // it did not fall in time
}

async function login(url, email) {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: BENCH_PASSWORD }),
  });
  if (!response.ok) throw new Error(`setup login failed: ${response.status} ${await response.text()}`);
  return response.json();
}

/** What a phase starts APIs with: in the run's directory, logging to its file, stopped at the end. */
function phaseApiStarter(workDir) {
  return async (apiEnv, options = {}) => {
    const started = await startApi(apiEnv, { cwd: workDir, logFile: apiLogFile, ...options });
    cleanups.push(started.stop);
    return started;
  };
}

/** Fresh sessions for a phase: the main run's access tokens may have expired by now (ACCESS_TOKEN_TTL). */
async function freshAccessTokens(url) {
  const tokens = [];
  for (let i = 0; i < SETUP_SESSIONS.me; i++)
    tokens.push((await login(url, LOGIN_DATA.emails[i % USERS])).accessToken);
  return tokens;
}

async function seedDatabase(target, env) {
  const sql = await openSql(target);
  try {
    // One real argon2id hash with the production parameters, shared by every bench user: each
    // login then costs exactly what a real one does, and seeding stays quick.
    const { memoryKib, timeCost, parallelism } = loadApiConfig(env).passwordHashing;
    const argon2 = requireFromApi('argon2');
    const passwordHash = await argon2.hash(BENCH_PASSWORD, {
      type: argon2.argon2id,
      memoryCost: memoryKib,
      timeCost,
      parallelism,
    });
    await seedUsers(sql, { count: USERS, passwordHash });
    await seedSessionsUpTo(sql, { target: PROFILE.sessions[0], users: USERS, log });
    return await countSessions(sql);
  } finally {
    await sql.close();
  }
}

async function main() {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverage();
  if (!args.has('--no-build')) await build();

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  cleanups.push(async () => rmSync(workDir, { recursive: true, force: true }));
  const dataDir = path.join(workDir, 'data');
  let database;
  if (process.env.DATABASE_URL) {
    database = await createScratchDatabase(process.env.DATABASE_URL);
    cleanups.push(() => database.drop());
    log(`PostgreSQL ${database.serverVersion}: scratch database ${database.name}`);
  } else {
    log('DATABASE_URL is not set: embedded PGlite');
  }
  const target = { databaseUrl: database?.url, dataDir };
  const env = apiEnvironment({ port: await freePort(), dataDir, databaseUrl: database?.url });
  const config = loadApiConfig(env);

  log('migrating and provisioning a signing key (pnpm keys add, activate)');
  await provisionSigningKey(env, workDir);
  log(`seeding ${USERS} users and ${PROFILE.sessions[0].toLocaleString('en')} sessions`);
  const baseline = await seedDatabase(target, env);
  if (only === 'gateway') return gatewayOnly({ env, database, workDir });

  // The argon2id ceiling is measured twice, right before login and right after registration (the
  // API idle meanwhile), and the two averaged: on a VM whose speed drifts by 20 % within minutes,
  // a ceiling taken next to the endpoints it bounds is the one to divide by.
  const argon2Ceiling = (when) => {
    log(`ceiling: argon2id verify and hash (${when})`);
    return runChild(
      here('./ceilings/argon2.mjs'),
      { seconds: PROFILE.ceilingSeconds, warmupSeconds: PROFILE.warmupSeconds },
      { env },
    );
  };

  // The least a login and a registration doing their work cost here: the API's statements,
  // argon2id, the signature and the email's sealing behind bare Fastify, driven as the API is.
  const barePassword = async (scenario, data) => {
    log(`ceiling: bare ${scenario} (Fastify; the same statements and cryptography)`);
    const server = await startChild(here('./ceilings/bare-password-endpoints.mjs'), target, { env });
    try {
      const url = `http://127.0.0.1:${server.info.port}`;
      return await load(scenario, url, CONNECTIONS.password, {
        cpuPid: server.pid,
        database: database?.name,
        data,
      });
    } finally {
      await server.stop();
    }
  };

  // A ceiling that opens the database runs before the API starts (PGlite's directory can only be
  // opened while the API does not hold it). With PostgreSQL the bare login and registration run
  // next to the API's instead, as the argon2id ceiling does: the VM's speed drifts within minutes.
  const bareBeforeApi = database
    ? undefined
    : { login: await barePassword('login', LOGIN_DATA), register: await barePassword('register') };
  log('ceiling: bare refresh SQL');
  const refreshSql = await runChild(here('./ceilings/refresh-sql.mjs'), {
    ...target,
    concurrency: CONNECTIONS.refresh,
    seconds: PROFILE.ceilingSeconds,
    warmupSeconds: PROFILE.warmupSeconds,
  });

  log('starting the API in production mode');
  apiLogFile = path.join(workDir, 'api.log');
  // --profile: V8 CPU profile of the API for the whole run, written when it exits (open it in
  // Chrome DevTools or speedscope).
  const profileDir = here('./results/profiles');
  const nodeArgs = args.has('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const api = await startApi(env, { cwd: workDir, logFile: apiLogFile, nodeArgs });
  cleanups.push(api.stop);
  const rss = new RssSampler(api.pid);
  await sleep(2_000);
  rss.phase('idle');
  const idleRssMb = rss.sample();
  const settledIdle = await settledIdleRss(rss, idleRssMb);
  log(`idle RSS ${Math.round(idleRssMb)} MB 2 s after start-up, ${Math.round(settledIdle.mb)} MB settled`);

  log(`logging in ${SETUP_SESSIONS.me + SETUP_SESSIONS.refresh} sessions for /auth/me and refresh`);
  const accessTokens = [];
  let chains = [];
  for (let i = 0; i < SETUP_SESSIONS.me + SETUP_SESSIONS.refresh; i++) {
    const tokens = await login(api.url, LOGIN_DATA.emails[i % USERS]);
    if (i < SETUP_SESSIONS.me) accessTokens.push(tokens.accessToken);
    else chains.push(tokens.refreshToken);
  }

  log('ceiling: bare Fastify + jose');
  const jwks = await (await fetch(`${api.url}/jwks`)).json();
  const bare = await startChild(here('./ceilings/bare-fastify-jose.mjs'), {
    jwks,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  const bareUrl = `http://127.0.0.1:${bare.info.port}`;
  const fastify = {
    verify: await load('verify', bareUrl, CONNECTIONS.light, { cpuPid: bare.pid, data: { accessTokens } }),
    health: await load('health', bareUrl, CONNECTIONS.light, { cpuPid: bare.pid }),
    jwks: await load('jwks', bareUrl, CONNECTIONS.light, { cpuPid: bare.pid }),
  };
  await bare.stop();

  const endpoints = {};
  const measure = async (key, scenario, connections, options) => {
    log(`endpoint: ${key}`);
    rss.phase(key);
    endpoints[key] = await load(scenario, api.url, connections, {
      cpuPid: api.pid,
      database: database?.name,
      ...options,
    });
    return endpoints[key];
  };
  await measure('health', 'health', CONNECTIONS.light);
  await measure('jwks', 'jwks', CONNECTIONS.light);
  await measure('me', 'me', CONNECTIONS.light, { data: { accessTokens } });
  const argon2Before = await argon2Ceiling('before login');
  const bareLogin = bareBeforeApi?.login ?? (await barePassword('login', LOGIN_DATA));
  await measure('login', 'login', CONNECTIONS.password, { data: LOGIN_DATA });
  await measure('register', 'register', CONNECTIONS.password);
  const bareRegister = bareBeforeApi?.register ?? (await barePassword('register'));
  const argon2 = bracketed(argon2Before, await argon2Ceiling('after registration'));

  const scaling = [];
  const refreshAt = async (sessions) => {
    const result = await measure(`refresh@${sessions.label}`, 'refresh', CONNECTIONS.refresh, {
      data: { chains },
    });
    chains = result.state.chains;
    scaling.push({ ...sessions, ...result, state: undefined });
  };
  await refreshAt({ label: 'baseline', ...baseline });
  let scalingSkipped;
  if (database) {
    log(`seeding up to ${PROFILE.sessions[1].toLocaleString('en')} sessions`);
    rss.phase('seeding');
    const sql = await openSql(target);
    await seedSessionsUpTo(sql, { target: PROFILE.sessions[1], users: USERS, log });
    const grown = await countSessions(sql);
    await sql.close();
    await refreshAt({ label: 'grown', ...grown });
  } else {
    scalingSkipped =
      'PGlite: the embedded database is single-connection and for development; its directory ' +
      'cannot be seeded while the API holds it, and index scaling is a claim about PostgreSQL.';
  }

  log(`soak: ${PROFILE.soakRefreshes.toLocaleString('en')} refreshes, RSS after each tenth`);
  rss.phase('soak');
  const chunk = PROFILE.soakRefreshes / 10;
  const soak = { refreshes: 0, errors: 0, samples: [{ refreshes: 0, rssMb: rss.sample() }] };
  for (let i = 0; i < 10; i++) {
    const result = await load('refresh', api.url, CONNECTIONS.refresh, {
      amount: chunk,
      warmupSeconds: 0,
      data: { chains },
    });
    chains = result.state.chains;
    soak.refreshes += result.ok;
    soak.errors += result.non2xx + result.socketErrors;
    soak.samples.push({ refreshes: soak.refreshes, rssMb: rss.sample() });
  }
  rss.phase('after');
  await sleep(2_000);
  const memory = {
    idleMb: idleRssMb,
    settledIdleMb: settledIdle.mb,
    settledAfterSeconds: settledIdle.afterSeconds,
    afterLoadMb: rss.sample(),
    peaks: Object.fromEntries(Object.keys(endpoints).map((key) => [key, rss.peakOf(key)])),
    soak,
    ...rss.stop(),
  };

  log('events: stopping the API for the domain-events phase');
  await api.stop();
  // The phases after the main run start APIs (and receivers) of their own, stopped at the end
  // even when a phase fails.
  const startPhaseApi = phaseApiStarter(workDir);
  const startPhaseChild = (modulePath, input) => startChild(here(modulePath), input);
  const events = await eventsPhase({
    env,
    target,
    database,
    profile: PROFILE,
    connections: CONNECTIONS,
    loginData: LOGIN_DATA,
    chains,
    log,
    load,
    startChild: startPhaseChild,
    cleanups,
    startApi: startPhaseApi,
  });
  chains = events.chains ?? chains;
  delete events.chains;

  // What the phases after the main run share: the harness, the data, the API starter.
  const phase = {
    env,
    database,
    profile: PROFILE,
    connections: CONNECTIONS,
    loginData: LOGIN_DATA,
    log,
    load,
    startApi: startPhaseApi,
    accessTokensFor: freshAccessTokens,
  };
  const tracing = await tracingPhase({ ...phase, chains, startChild: startPhaseChild });
  chains = tracing.chains;
  delete tracing.chains;

  const gateway = await gatewayPhase({ ...phase, chains, workDir });
  chains = gateway.chains;
  delete gateway.chains;

  const coldStart = await coldStartPhase({ env, database, log, rounds: PROFILE.coldStartRounds });

  const results = {
    mode: quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...describeMachine(), loadAverageAtStart, loadAverageAtEnd: loadAverage() },
    database: database
      ? { driver: 'postgres', version: database.serverVersion, scratchDatabase: database.name }
      : { driver: 'pglite' },
    api: {
      passwordHashing: config.passwordHashing,
      threadPoolSize: Number(env.UV_THREADPOOL_SIZE ?? 4),
      databasePoolMax: config.database.poolMax,
    },
    profile: PROFILE,
    connections: CONNECTIONS,
    ceilings: { argon2, barePassword: { login: bareLogin, register: bareRegister }, refreshSql, fastify },
    endpoints,
    scaling,
    scalingSkipped,
    memory,
    events,
    tracing,
    gateway,
    coldStart,
  };
  mkdirSync(here('./results'), { recursive: true });
  writeFileSync(here('./results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderMarkdown(results));

  const problems = harnessProblems(results);
  for (const problem of problems) log(`harness problem: ${problem}`);
  return problems.length === 0 ? 0 : 1;
}

/** `--only=gateway`: the refresh chains logged in on the API, then the gateway phase alone. */
async function gatewayOnly({ env, database, workDir }) {
  apiLogFile = path.join(workDir, 'api.log');
  const startPhaseApi = phaseApiStarter(workDir);
  const api = await startPhaseApi(env);
  const chains = [];
  for (let i = 0; i < SETUP_SESSIONS.refresh; i++)
    chains.push((await login(api.url, LOGIN_DATA.emails[i])).refreshToken);
  await api.stop();
  const gateway = await gatewayPhase({
    env,
    database,
    profile: PROFILE,
    connections: CONNECTIONS,
    loginData: LOGIN_DATA,
    log,
    load,
    startApi: startPhaseApi,
    accessTokensFor: freshAccessTokens,
    chains,
    workDir,
  });
  delete gateway.chains;
  mkdirSync(here('./results'), { recursive: true });
  writeFileSync(here('./results/gateway.json'), `${JSON.stringify(gateway, null, 2)}\n`);
  process.stdout.write(gatewaySection({ gateway }));
  return 0;
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (error) => {
    log(error.stack ?? String(error));
    if (apiLogFile && existsSync(apiLogFile)) {
      log(
        `last lines of the API's log:\n${readFileSync(apiLogFile, 'utf8').split('\n').slice(-30).join('\n')}`,
      );
    }
    await cleanUp();
    process.exit(1);
  });
