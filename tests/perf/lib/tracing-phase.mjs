// The bench's tracing phase: what OpenTelemetry tracing costs the hot endpoints. Each endpoint is
// measured on a freshly started API without an endpoint (off), with every request traced and
// exported to a local OTLP receiver (on: OTEL_TRACES_SAMPLER=always_on), and with tracing
// configured but every trace sampled out (always_off), then off again: "off" is the mean of the
// two off runs, so neither the order nor the machine's drift favours one side.

/** Two runs of one scenario as one: the mean of each figure, the sum of the counts. */
function meanOf(a, b) {
  const mean = (key) => (a[key] === undefined || b[key] === undefined ? undefined : (a[key] + b[key]) / 2);
  return {
    ok: a.ok + b.ok,
    non2xx: a.non2xx + b.non2xx,
    socketErrors: a.socketErrors + b.socketErrors,
    perSecond: mean('perSecond'),
    p50: mean('p50'),
    p95: mean('p95'),
    p99: mean('p99'),
    cpuMsPerRequest: mean('cpuMsPerRequest'),
    runs: [a, b],
  };
}

const stats = async (url) => (await fetch(`${url}/stats`)).json();

/**
 * `context`: the harness's helpers and state (env, load, startApi, startChild, chains, loginData,
 * accessTokensFor). Returns `{ off, on, sampledOut, exported, chains }`.
 */
export async function tracingPhase(context) {
  const { env, database, connections, loginData, log, startApi, startChild, accessTokensFor } = context;
  let chains = context.chains;
  const sink = await startChild('./ceilings/otlp-sink.mjs', {});
  const traced = {
    ...env,
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.info.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'always_on',
  };
  const sampledOut = { ...traced, OTEL_TRACES_SAMPLER: 'always_off' };

  const hot = async (apiEnv, label) => {
    log(`tracing: me, refresh, login ${label}`);
    const api = await startApi(apiEnv);
    try {
      const run = (scenario, conns, data) =>
        context.load(scenario, api.url, conns, { cpuPid: api.pid, database: database?.name, data });
      const me = await run('me', connections.light, { accessTokens: await accessTokensFor(api.url) });
      const refresh = await run('refresh', connections.refresh, { chains });
      chains = refresh.state.chains;
      const login = await run('login', connections.password, loginData);
      return { me, refresh: { ...refresh, state: undefined }, login };
    } finally {
      await api.stop();
    }
  };
  try {
    const offBefore = await hot(env, 'without tracing');
    const before = await stats(sink.info.url);
    const on = await hot(traced, 'traced (always_on, exported to a local OTLP receiver)');
    const exported = await stats(sink.info.url);
    const out = await hot(sampledOut, 'with tracing on and every trace sampled out (always_off)');
    const offAfter = await hot(env, 'without tracing, again');
    const off = Object.fromEntries(
      ['me', 'refresh', 'login'].map((key) => [key, meanOf(offBefore[key], offAfter[key])]),
    );
    return {
      off,
      on,
      sampledOut: out,
      exported: { requests: exported.requests - before.requests, bytes: exported.bytes - before.bytes },
      sampledOutExported: (await stats(sink.info.url)).requests - exported.requests,
      chains,
    };
  } finally {
    await sink.stop();
  }
}
