// The bench's gateway phase: what the services deployment (docs/architecture.md, "Deployments")
// costs the hot endpoints against the monolith, in the same run. The monolith and the three
// services run side by side in production mode; the auth service on the monolith's own database
// (identity's tables are the same in both, so the seeded users and the refresh chains serve both
// deployments), the user service on a scratch database of its own, the gateway in front. Each
// endpoint is loaded in rounds, the two deployments one after the other within a round, in the
// reverse order in the next; a ratio is the median of the rounds' ratios (as the tracing phase).
// A third deployment in the same rounds is the ceiling: the gateway's proxy alone, bare, in front of
// the monolith (ceilings/bare-proxy.mjs): the most any gateway on that proxy reaches here.
import path from 'node:path';
import internalKeys from '../../../scripts/internal-keys.cjs';
import { REPO_ROOT } from './api-modules.mjs';
import { freePort } from './api-process.mjs';
import { startChild } from './child.mjs';
import { createScratchDatabase, openSql } from './database.mjs';
import { meanOf } from './stats.mjs';

const DEPLOYMENTS = ['monolith', 'gateway', 'bareProxy'];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The bench's names for the three processes, and theirs. */
const NAMES = { gateway: 'gateway', auth: 'auth-service', user: 'user-service' };

/**
 * `context`: the harness's helpers and state (env, database, profile, connections, load,
 * startApi, chains, loginData, accessTokensFor, workDir, log). Returns `{ monolith, gateway,
 * ratios, rounds, chains }`, or `{ skipped }` on PGlite.
 */
export async function gatewayPhase(context) {
  const { env, database, connections, loginData, log, profile, startApi, accessTokensFor, workDir } = context;
  let chains = context.chains;
  if (!database) {
    return {
      skipped:
        "PGlite: the auth service would have to open the monolith's embedded directory while the " +
        'monolith holds it; the gateway path is measured on PostgreSQL (DATABASE_URL).',
      chains,
    };
  }
  // The seeded users' claims, as the auth service's projection holds those of users registered
  // through the services (their profiles are the monolith's rows here).
  const sql = await openSql({ databaseUrl: database.url });
  await sql.query(
    `insert into claims_projection (user_id, name, roles, memberships, updated_at)
     select user_id, name, to_jsonb(roles), '[]'::jsonb, now() from profiles
     on conflict (user_id) do nothing`,
  );
  await sql.close();
  const userDatabase = await createScratchDatabase(process.env.DATABASE_URL, '_users');
  const started = [];
  try {
    const ports = { gateway: await freePort(), auth: await freePort(), user: await freePort() };
    // As pnpm start:services makes them (scripts/internal-keys.cjs), in the run's scratch directory.
    const keys = internalKeys.ensureInternalKeys(path.join(workDir, 'gateway-phase-keys'));
    const shared = {
      ...env,
      AUTH_SERVICE_URL: `http://127.0.0.1:${ports.auth}`,
      USER_SERVICE_URL: `http://127.0.0.1:${ports.user}`,
    };
    const service = (name, app, own) =>
      startApi(
        {
          ...shared,
          PORT: String(ports[name]),
          DATA_DIR: path.join(workDir, `gateway-phase-${name}`),
          INTERNAL_AUTH_KEYS: internalKeys.internalKeysOf(keys, NAMES[name]),
          ...own,
        },
        { main: path.join(REPO_ROOT, 'apps', app, 'dist', 'main.js') },
      );
    log('gateway: starting the monolith, and the auth service, the user service and the gateway');
    const monolith = await startApi({ ...env, PORT: String(await freePort()) });
    started.push(monolith);
    const bareProxy = await startChild(new URL('../ceilings/bare-proxy.mjs', import.meta.url).pathname, {
      upstream: monolith.url,
    });
    started.push(bareProxy);
    const behindGateway = { TRUST_PROXY: '127.0.0.1' };
    started.push(await service('auth', 'auth-service', behindGateway));
    started.push(
      await service('user', 'user-service', {
        ...behindGateway,
        DATABASE_URL: userDatabase.url,
      }),
    );
    const gateway = await service('gateway', 'gateway', {});
    started.push(gateway);
    const [authService, userService] = started.slice(2);
    const urls = {
      monolith: monolith.url,
      gateway: gateway.url,
      bareProxy: `http://127.0.0.1:${bareProxy.info.port}`,
    };
    // CPU per request: the monolith's process, and each process of the gateway path on its own.
    const cpu = {
      monolith: { cpuPid: monolith.pid },
      gateway: {
        cpuPids: { gateway: gateway.pid, 'auth-service': authService.pid, 'user-service': userService.pid },
      },
      bareProxy: { cpuPids: { proxy: bareProxy.pid, monolith: monolith.pid } },
    };
    const accessTokens = await accessTokensFor(monolith.url);

    const scenarios = [
      ['me', connections.light, () => ({ accessTokens })],
      ['refresh', connections.refresh, () => ({ chains })],
      ['login', connections.password, () => loginData],
    ];
    const results = { monolith: {}, gateway: {}, bareProxy: {} };
    const ratios = {};
    // The ceiling's own ratio to the monolith, and the gateway's share of the ceiling.
    const bareRatios = {};
    const ofBare = {};
    for (const [key, conns, data] of scenarios) {
      log(
        `gateway: ${key}, ${profile.gatewayRounds} rounds of ${profile.gatewaySeconds} s on each deployment`,
      );
      const runs = { monolith: [], gateway: [], bareProxy: [] };
      for (let round = 0; round < profile.gatewayRounds; round++) {
        for (const deployment of round % 2 === 0 ? DEPLOYMENTS : [...DEPLOYMENTS].reverse()) {
          const run = await context.load(key, urls[deployment], conns, {
            ...cpu[deployment],
            database: database.name,
            data: data(),
            seconds: profile.gatewaySeconds,
            warmupSeconds: round === 0 ? profile.warmupSeconds : 0,
          });
          if (run.state?.chains) chains = run.state.chains;
          runs[deployment].push({ ...run, state: undefined });
        }
      }
      for (const deployment of DEPLOYMENTS) results[deployment][key] = meanOf(...runs[deployment]);
      // Each process of a path on its own: the bare proxy's own CPU is what the hop costs alone.
      for (const deployment of ['gateway', 'bareProxy'])
        results[deployment][key].cpuMsPerRequestOf = Object.fromEntries(
          Object.keys(cpu[deployment].cpuPids).map((process) => [
            process,
            runs[deployment].reduce((total, run) => total + run.cpuMsPerRequestOf[process], 0) /
              runs[deployment].length,
          ]),
        );
      const share = (of, to) =>
        median(runs[of].map((run, round) => run.perSecond / runs[to][round].perSecond));
      ratios[key] = share('gateway', 'monolith');
      bareRatios[key] = share('bareProxy', 'monolith');
      ofBare[key] = share('gateway', 'bareProxy');
    }
    return { ...results, ratios, bareRatios, ofBare, rounds: profile.gatewayRounds, chains };
  } finally {
    for (const process of started.reverse()) await process.stop();
    await userDatabase.drop();
  }
}
