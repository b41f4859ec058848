// The bench's tracing phase: what OpenTelemetry tracing costs the hot endpoints. Three APIs run side
// by side on the same database: without an endpoint (off), with every request traced and exported
// to a local OTLP receiver (traced: OTEL_TRACES_SAMPLER=always_on), and with tracing configured but
// every trace sampled out (always_off). Each endpoint is loaded in rounds, the three one after the
// other within a round, in the reverse order in the next: a ratio is the median of the rounds' own
// ratios, so a minute in which the machine is slower weighs on both sides of each (this VM's speed
// drifts by a third between one run and the next; a single pair of runs was no measure).
import { freePort } from './api-process.mjs';
import { meanOf } from './stats.mjs';

const CONFIGS = ['off', 'traced', 'sampledOut'];

const stats = async (url) => (await fetch(`${url}/stats`)).json();

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * `context`: the harness's helpers and state (env, profile, load, startApi, startChild, chains,
 * loginData, accessTokensFor). Returns `{ off, on, sampledOut, ratios, rounds, exported, chains }`.
 */
export async function tracingPhase(context) {
  const { env, database, connections, loginData, log, profile, startApi, startChild, accessTokensFor } =
    context;
  let chains = context.chains;
  // A receiver each, so that what the sampled-out API exports (nothing) is counted on its own.
  const sinks = {
    traced: await startChild('./ceilings/otlp-sink.mjs', {}),
    sampledOut: await startChild('./ceilings/otlp-sink.mjs', {}),
  };
  const exportingTo = (sink, sampler) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.info.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: sampler,
  });
  const apis = {};
  try {
    log('tracing: starting an API without tracing, one traced (always_on), one sampled out (always_off)');
    const environments = {
      off: env,
      traced: { ...env, ...exportingTo(sinks.traced, 'always_on') },
      sampledOut: { ...env, ...exportingTo(sinks.sampledOut, 'always_off') },
    };
    for (const config of CONFIGS)
      apis[config] = await startApi({ ...environments[config], PORT: String(await freePort()) });
    const accessTokens = await accessTokensFor(apis.off.url);

    const scenarios = [
      ['me', connections.light, () => ({ accessTokens })],
      ['refresh', connections.refresh, () => ({ chains })],
      ['login', connections.password, () => loginData],
    ];
    const results = { off: {}, traced: {}, sampledOut: {} };
    const ratios = {};
    for (const [key, conns, data] of scenarios) {
      log(`tracing: ${key}, ${profile.tracingRounds} rounds of ${profile.tracingSeconds} s on each API`);
      const runs = { off: [], traced: [], sampledOut: [] };
      for (let round = 0; round < profile.tracingRounds; round++) {
        for (const config of round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse()) {
          const api = apis[config];
          const run = await context.load(key, api.url, conns, {
            cpuPid: api.pid,
            database: database?.name,
            data: data(),
            seconds: profile.tracingSeconds,
            // Each API warms up once per endpoint, in the first round.
            warmupSeconds: round === 0 ? profile.warmupSeconds : 0,
          });
          if (run.state?.chains) chains = run.state.chains;
          runs[config].push({ ...run, state: undefined });
        }
      }
      for (const config of CONFIGS) results[config][key] = meanOf(...runs[config]);
      const paired = (config, figure) =>
        median(runs[config].map((run, round) => figure(run, runs.off[round])));
      ratios[key] = {
        traced: paired('traced', (run, off) => run.perSecond / off.perSecond),
        sampledOut: paired('sampledOut', (run, off) => run.perSecond / off.perSecond),
        tracedCpu: paired('traced', (run, off) => run.cpuMsPerRequest / off.cpuMsPerRequest),
      };
    }
    return {
      off: results.off,
      on: results.traced,
      sampledOut: results.sampledOut,
      ratios,
      rounds: profile.tracingRounds,
      exported: await stats(sinks.traced.info.url),
      sampledOutExported: (await stats(sinks.sampledOut.info.url)).requests,
      chains,
    };
  } finally {
    for (const api of Object.values(apis)) await api.stop();
    for (const sink of Object.values(sinks)) await sink.stop();
  }
}
