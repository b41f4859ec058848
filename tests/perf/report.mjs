import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// Turns a run's results into the Markdown table of docs/performance.md, and decides whether the
// harness itself worked. Targets are reported, never enforced: timing is not a CI failure.

/** Above this share of failed requests a scenario measured something broken, not slow. */
const MAX_ERROR_RATE = 0.01;

const fmt = (value, digits = 1) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '–'
    : Number(value).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (value) => `${fmt(value, 0)} MB`;
const errorsOf = (run) => run.non2xx + run.socketErrors;
const verdict = (met) => (met ? 'met' : '**missed**');
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (header, rows) => [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');

/** Each endpoint row: its run, the ceiling it is compared with, and its target (if the issue sets one). */
function endpointRows(results) {
  const { endpoints, ceilings, scaling } = results;
  const rows = [
    {
      name: 'POST /auth/login',
      run: endpoints.login,
      ceiling: ['argon2id verify', ceilings.argon2.verify],
      target: ['≥ 0.9 × ceiling', (run, ratio) => ratio >= 0.9],
    },
    {
      name: 'POST /auth/register',
      run: endpoints.register,
      ceiling: ['argon2id hash', ceilings.argon2.hash],
      target: ['≥ 0.9 × ceiling', (run, ratio) => ratio >= 0.9],
    },
    ...scaling.map((point) => ({
      name: `POST /auth/refresh (${point.sessions.toLocaleString('en')} sessions)`,
      run: point,
      ceiling: ['bare refresh SQL', ceilings.refreshSql],
      target: ['≥ 500 req/s, p95 < 50 ms', (run) => run.perSecond >= 500 && run.p95 < 50],
    })),
    {
      name: 'GET /auth/me',
      run: endpoints.me,
      ceiling: ['bare Fastify + jose verify', ceilings.fastify.verify],
      target: ['≥ 0.6 × ceiling', (run, ratio) => ratio >= 0.6],
    },
    {
      name: 'GET /jwks',
      run: endpoints.jwks,
      ceiling: ['bare Fastify, same body', ceilings.fastify.jwks],
    },
    {
      name: 'GET /health',
      run: endpoints.health,
      ceiling: ['bare Fastify, same body', ceilings.fastify.health],
    },
  ];
  return rows.map(({ name, run, ceiling: [ceilingName, ceiling], target }) => {
    const ratio = run.perSecond / ceiling.perSecond;
    // The ceiling's CPU per operation over the API's per request: how close the endpoint's cost
    // is to its ceiling's, whatever else the machine was doing meanwhile.
    const cpuRatio = ceiling.cpuMsPerRequest / run.cpuMsPerRequest;
    return [
      name,
      run.connections,
      fmt(run.perSecond),
      fmt(run.p50, 2),
      fmt(run.p95, 2),
      fmt(run.p99, 2),
      errorsOf(run),
      `${ceilingName}: ${fmt(ceiling.perSecond)}/s`,
      fmt(ratio, 2),
      run.mainThreadCpuMsPerRequest === undefined
        ? fmt(run.cpuMsPerRequest, 2)
        : `${fmt(run.cpuMsPerRequest, 2)} (${fmt(run.mainThreadCpuMsPerRequest, 2)})`,
      fmt(cpuRatio, 2),
      target ? `${target[0]}: ${verdict(target[1](run, ratio))}` : '–',
    ];
  });
}

function ceilingRows({ ceilings, api }) {
  const { argon2, barePassword, refreshSql, fastify } = ceilings;
  const params = `m=${argon2.parameters.memoryKib} KiB, t=${argon2.parameters.timeCost}, p=${argon2.parameters.parallelism}`;
  // Measured before login and after registration, and averaged (older results: once, before the API).
  const bracket = (op) => {
    if (!argon2.runs) return '';
    const { beforeLogin, afterRegistration } = argon2.runs;
    return `; mean of ${fmt(beforeLogin[op].perSecond)}/s before login and ${fmt(afterRegistration[op].perSecond)}/s after registration`;
  };
  const line = (name, how, concurrency, run) => [
    name,
    how,
    concurrency,
    fmt(run.perSecond),
    fmt(run.p50, 2),
    fmt(run.p95, 2),
    fmt(run.p99, 2),
    fmt(run.cpuMsPerRequest, 2),
  ];
  return [
    line(
      'argon2id verify',
      `${params}; thread pool ${api.threadPoolSize}${bracket('verify')}`,
      argon2.concurrency,
      argon2.verify,
    ),
    line(
      'argon2id hash',
      `${params}; thread pool ${api.threadPoolSize}${bracket('hash')}`,
      argon2.concurrency,
      argon2.hash,
    ),
    ...(barePassword
      ? [
          line(
            'bare login',
            "Fastify, no Nest; the login's statements (account read, one write, claims read), argon2id verify, RS256 signature",
            barePassword.login.connections,
            barePassword.login,
          ),
          line(
            'bare registration',
            "Fastify, no Nest; argon2id hash, the registration's one write, the email sealed, then the outbox claim and `sent`",
            barePassword.register.connections,
            barePassword.register,
          ),
        ]
      : []),
    line(
      'bare refresh SQL',
      `${refreshSql.driver}: chain read; one statement locking, retiring, inserting, sliding, auditing; claims read`,
      refreshSql.concurrency,
      refreshSql,
    ),
    line(
      'bare Fastify + jose',
      'RS256 verify, same key and checks',
      fastify.verify.connections,
      fastify.verify,
    ),
    line('bare Fastify', '`/jwks`, same body', fastify.jwks.connections, fastify.jwks),
    line('bare Fastify', '`/health`, same body', fastify.health.connections, fastify.health),
  ];
}

/**
 * The password targets read against what this machine allows any login and registration: the bare
 * ones do only the endpoint's work (its statements, argon2id, the signature or the email), so
 * their own ratio to the argon2id ceiling is the most such an endpoint reaches here, and the
 * API's rate over the bare one's is what the API's own code costs (older results have neither).
 */
function passwordSection({ ceilings, endpoints }) {
  const { barePassword, argon2 } = ceilings;
  if (!barePassword) return '';
  const pairs = [
    ['login', 'verify', endpoints.login, barePassword.login],
    ['registration', 'hash', endpoints.register, barePassword.register],
  ];
  const cells = (name, operation, run) => [
    name,
    fmt(run.perSecond),
    fmt(run.p95, 2),
    `${fmt(run.perSecond / argon2[operation].perSecond, 2)} of ${operation}`,
    `${fmt(run.cpuMsPerRequest, 2)} (${fmt(run.mainThreadCpuMsPerRequest, 2)})`,
    fmt(run.postgresCpuMsPerRequest, 2),
    fmt(argon2[operation].cpuMsPerRequest / run.cpuMsPerRequest, 2),
  ];
  const rows = pairs.flatMap(([name, operation, api, bare]) => [
    cells(`bare ${name}: Fastify, the same statements and cryptography`, operation, bare),
    cells(`the API's ${name}`, operation, api),
  ]);
  const sentences = pairs.map(([name, operation, api, bare]) => {
    const floor = bare.perSecond / argon2[operation].perSecond;
    return (
      `The API's ${name} ran at ${fmt(api.perSecond / bare.perSecond, 2)} of the bare ${name}'s rate ` +
      `(CPU ratio ${fmt(bare.cpuMsPerRequest / api.cpuMsPerRequest, 2)}); the bare ${name}, which does nothing ` +
      `but that work, reached ${fmt(floor, 2)} of the argon2id ${operation} ceiling, ` +
      (floor < 0.9
        ? `below 0.9: in this run, on this machine, no ${name} doing that work met the target.`
        : 'at or above 0.9: in this run the target was within reach.')
    );
  });
  return [
    '## Login and registration against bare ones',
    '',
    table(
      [
        'endpoint',
        'req/s',
        'p95',
        'ratio to argon2id',
        'CPU ms/req (main thread)',
        'PostgreSQL CPU ms/req',
        'CPU ratio to argon2id',
      ],
      rows,
    ),
    '',
    ...sentences.flatMap((sentence) => [sentence, '']),
  ].join('\n');
}

function scalingSection({ scaling, scalingSkipped }) {
  if (scaling.length < 2) return `Skipped the larger size: ${scalingSkipped}\n`;
  const [base, grown] = scaling;
  // The cost of a refresh is the CPU it takes, the API's and PostgreSQL's (where measured); req/s
  // also moves with the machine's other load.
  const cost = (point) => point.cpuMsPerRequest + (point.postgresCpuMsPerRequest ?? 0);
  const rows = scaling.map((point) => [
    point.sessions.toLocaleString('en'),
    point.tokens.toLocaleString('en'),
    fmt(point.perSecond),
    fmt(point.p95, 2),
    fmt(point.cpuMsPerRequest, 2),
    fmt(point.postgresCpuMsPerRequest, 2),
    fmt(cost(point) / cost(base), 2),
  ]);
  const growth = cost(grown) / cost(base);
  return [
    table(
      [
        'sessions',
        'refresh tokens',
        'req/s',
        'p95 ms',
        'API CPU ms/refresh',
        'PostgreSQL CPU ms/refresh',
        'CPU vs first',
      ],
      rows,
    ),
    '',
    `Cost per refresh ${growth <= 1.15 ? 'stayed flat' : '**grew**'}: ${fmt(growth, 2)} × the CPU per refresh ` +
      `(API${base.postgresCpuMsPerRequest === undefined ? '' : ' + PostgreSQL'}) at the smaller size ` +
      '(up to 1.15 counts as flat on a noisy machine).',
    '',
  ].join('\n');
}

/**
 * Idle RSS twice: 2 s after start-up, while V8 still holds the young generation start-up grew, and
 * settled, once its memory reducer has given that back. The target applies to the settled reading,
 * the process's idle state (older results have only the first).
 */
function idleRows(memory, profile) {
  const target = (value) => `≤ 150 MB: ${verdict(value <= 150)}`;
  if (memory.settledIdleMb === undefined)
    return [['idle, after start-up and seeding', mb(memory.idleMb), target(memory.idleMb)]];
  const settled =
    memory.settledAfterSeconds === null
      ? `idle, ${(profile?.idleSettleMaxSeconds ?? 60) + 2} s after start-up (RSS had not fallen yet)`
      : `idle, settled (${memory.settledAfterSeconds} s after start-up, once V8's memory reducer ran)`;
  return [
    ['idle, 2 s after start-up and seeding', mb(memory.idleMb), '–'],
    [settled, mb(memory.settledIdleMb), target(memory.settledIdleMb)],
  ];
}

/** The domain-events phase: relay throughput, AMQP on against off, refresh during the clean-up. */
function eventsSection({ events }) {
  if (!events) return '';
  if (events.skipped) return `Skipped: ${events.skipped}.\n`;
  const { relay, amqp, cleanup } = events;
  const errors = (run) => errorsOf(run);
  const pairRow = (name, key) => {
    const on = amqp.on[key];
    const off = amqp.off[key];
    return [
      name,
      fmt(off.perSecond),
      fmt(on.perSecond),
      fmt(on.perSecond / off.perSecond, 3),
      fmt(off.p95, 2),
      fmt(on.p95, 2),
      fmt(off.cpuMsPerRequest, 3),
      fmt(on.cpuMsPerRequest, 3),
      fmt(on.cpuMsPerRequest / off.cpuMsPerRequest, 3),
      `${errors(off)} / ${errors(on)}`,
    ];
  };
  const lines = [
    `Relay: ${relay.events.toLocaleString('en')} pending events of ${relay.users.toLocaleString('en')} users ` +
      `published to RabbitMQ and confirmed in ${fmt(relay.seconds, 2)} s: **${relay.perSecond.toLocaleString('en')} ` +
      `events/s** (first one ${fmt(relay.firstAfterStartSeconds, 2)} s after the API was started; ` +
      `${relay.duplicates} published twice; the API's CPU, start-up included, ${fmt(relay.apiCpuMsPerEvent, 3)} ms per event).`,
    '',
    'The hot endpoints with `AMQP_URL` set (the relay publishing what they write) and without it ' +
      (amqp.off.refresh.runs?.length === 1
        ? '(a run just before: --quick), '
        : '(the mean of a run just before and one just after), ') +
      `each on a freshly started API; ${amqp.on.published.toLocaleString('en')} events were published during the first set ` +
      `(${amqp.on.duplicates} twice). ` +
      'The target is a ratio of at least 0.95 (CPU ratio at most 1.05).',
    '',
    table(
      [
        'endpoint',
        'req/s off',
        'req/s on',
        'on / off',
        'p95 off',
        'p95 on',
        'CPU ms/req off',
        'CPU ms/req on',
        'CPU on / off',
        'errors off / on',
      ],
      [
        pairRow('POST /auth/login', 'login'),
        pairRow('POST /auth/register', 'register'),
        pairRow('POST /auth/refresh', 'refresh'),
      ],
    ),
    '',
  ];
  const traffic = amqp.brokerTraffic;
  if (traffic) {
    const offRefresh = amqp.off.refresh;
    const row = (name, run) => [
      name,
      fmt(run.perSecond),
      fmt(run.perSecond / offRefresh.perSecond, 3),
      fmt(run.p95, 2),
      fmt(run.cpuMsPerRequest, 3),
      fmt(run.postgresCpuMsPerRequest, 3),
      amqp.brokerMeasured ? fmt(run.brokerCpuMsPerRequest, 3) : '–',
    ];
    lines.push(
      'Where refresh loses with `AMQP_URL` set: the same endpoint without it while another process publishes ' +
        `${traffic.perSecond.toLocaleString('en')} events/s (what "on" published; ${traffic.carriedPerSecond.toLocaleString('en')}/s arrived) ` +
        'to the same exchange and queue. The API does nothing for those; the broker takes its CPU from the same cores. ' +
        (amqp.brokerMeasured
          ? "Broker CPU is the local RabbitMQ server's, per refresh."
          : 'The broker is not on this machine, so its CPU is not measured.'),
      '',
      table(
        ['refresh', 'req/s', 'of off', 'p95', 'API CPU ms/req', 'PostgreSQL CPU ms/req', 'broker CPU ms/req'],
        [
          row('without `AMQP_URL`', offRefresh),
          row('without, the broker carrying the same traffic', traffic.refresh),
          row('with `AMQP_URL` (the relay publishing)', amqp.on.refresh),
        ],
      ),
      '',
    );
  }
  if (cleanup) {
    lines.push(
      `Refresh while the clean-up ends and deletes ${cleanup.expiredSessions.toLocaleString('en')} expired sessions ` +
        `(with their refresh tokens; ${cleanup.left} left afterwards): the clean-up took ` +
        `${cleanup.cleanupSeconds === null ? 'longer than the wait' : `${fmt(cleanup.cleanupSeconds)} s`} and covered ` +
        `${Math.round(cleanup.overlapOfRefreshWindow * 100)} % of the refresh run.`,
      '',
      table(
        ['refresh', 'req/s', 'p50', 'p95', 'p99', 'errors'],
        [
          [
            'before the clean-up',
            fmt(cleanup.quiet.perSecond),
            fmt(cleanup.quiet.p50, 2),
            fmt(cleanup.quiet.p95, 2),
            fmt(cleanup.quiet.p99, 2),
            errors(cleanup.quiet),
          ],
          [
            'during the clean-up',
            fmt(cleanup.during.perSecond),
            fmt(cleanup.during.p50, 2),
            fmt(cleanup.during.p95, 2),
            fmt(cleanup.during.p99, 2),
            errors(cleanup.during),
          ],
        ],
      ),
      '',
    );
  } else {
    lines.push(`Refresh during the clean-up: not measured (${events.cleanupSkipped}).`, '');
  }
  return lines.join('\n');
}

function memorySection({ memory, endpoints, profile }) {
  const { soak } = memory;
  const first = soak.samples[1] ?? soak.samples[0];
  const last = soak.samples.at(-1);
  const growth = Math.round(last.rssMb - first.rssMb);
  const peaks = Object.keys(endpoints).map((key) => `${key} ${mb(memory.peaks[key])}`);
  return [
    table(
      ['measure', 'RSS', 'target'],
      [
        ...idleRows(memory, profile),
        ['idle, after all the load', mb(memory.afterLoadMb), '–'],
        ['peak, sampled every 250 ms', mb(memory.sampledPeakMb), '–'],
        ['peak, kernel high-water mark (VmHWM)', mb(memory.kernelPeakMb), '–'],
      ],
    ),
    '',
    `Peak per scenario: ${peaks.join(', ')}.`,
    '',
    `Soak: ${soak.refreshes.toLocaleString('en')} refreshes (${soak.errors} errors); RSS after each tenth: ` +
      `${soak.samples.map((sample) => fmt(sample.rssMb, 0)).join(' → ')} MB. ` +
      `From the first tenth to the end: ${growth > 0 ? '+' : ''}${growth} MB ` +
      `(${growth <= 10 ? 'no growth' : '**growth**'}; ±10 MB is GC noise, and a fall is the heap shrinking).`,
    '',
  ].join('\n');
}

export function renderMarkdown(results) {
  const { machine, database, api, profile } = results;
  const db =
    database.driver === 'postgres'
      ? `PostgreSQL ${database.version} on this machine (scratch database, dropped afterwards)`
      : 'PGlite (embedded, DATABASE_URL not set)';
  return [
    `# Latchkey benchmark: ${results.mode} run, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}; ` +
      `load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end.`,
    `- Database: **${db}**${database.driver === 'postgres' ? `; pool of ${api.databasePoolMax} connections` : ''}.`,
    `- API: production build, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`; rate limits raised to \`1000000/1m\` and ` +
      `\`LOGIN_LOCKOUT_THRESHOLD=10000\` (the defaults would answer a one-address load generator with 429s; the limiter still runs). ` +
      `Password hashing concurrency ${api.passwordHashing.maxConcurrency}, libuv thread pool ${api.threadPoolSize}.`,
    `- Load: autocannon in its own process over loopback, closed loop; ${profile.seconds} s per scenario after ` +
      `${profile.warmupSeconds} s of warm-up; ceilings ${profile.ceilingSeconds} s. Latencies are of 2xx responses, in ms.`,
    "- *ratio*: req/s over the ceiling's ops/s. *CPU ratio*: the ceiling process's CPU per operation over the " +
      "API's CPU per request, which moves far less with the machine's other load.",
    '',
    '## Endpoints',
    '',
    table(
      [
        'endpoint',
        'conns',
        'req/s',
        'p50',
        'p95',
        'p99',
        'errors',
        'ceiling',
        'ratio',
        'API CPU ms/req (main thread)',
        'CPU ratio',
        'target (on ratio)',
      ],
      endpointRows(results),
    ),
    '',
    '## Ceilings, measured in the same run',
    '',
    table(
      ['ceiling', 'what', 'concurrency', 'ops/s', 'p50', 'p95', 'p99', 'CPU ms/op (ceiling process)'],
      ceilingRows(results),
    ),
    '',
    passwordSection(results),
    '## Refresh against the number of existing sessions',
    '',
    scalingSection(results),
    '## Memory of the API process',
    '',
    memorySection(results),
    '## Domain events',
    '',
    eventsSection(results),
    '## Tracing',
    '',
    tracingSection(results),
    '## The services deployment: through the gateway',
    '',
    gatewaySection(results),
    '## The serverless deployment: bundles and cold start',
    '',
    coldStartSection(results),
  ].join('\n');
}

/** Goals of the serverless issue: init at most this long on this machine, each bundle at most this big. */
const COLD_START_GOALS = { initMs: 300, bundleBytes: 5 * 1024 * 1024 };

const megabytes = (bytes) => fmt(bytes / 2 ** 20, 2);

/** The cold-start phase: each function's bundle, then the HTTP function's init and first invocations. */
function coldStartSection({ coldStart }) {
  if (!coldStart) return '';
  if (coldStart.skipped) return `Not measured: ${coldStart.skipped}\n`;
  const bundles = [
    '| function | code, app.cjs (MB) | goal ≤ 5 MB | unzipped, with its code cache, assets and argon2 (MB) | zip (MB) | weighs most in app.cjs |',
    '| --- | ---: | --- | ---: | ---: | --- |',
    ...coldStart.bundles
      .map((fn) =>
        [
          fn.function,
          megabytes(fn.codeBytes),
          fn.codeBytes <= COLD_START_GOALS.bundleBytes ? 'met' : 'missed',
          megabytes(fn.unzippedBytes),
          megabytes(fn.zippedBytes),
          fn.largest.map((owner) => `${owner.package} ${megabytes(owner.bytes)}`).join(', '),
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
  ];
  const { median } = coldStart;
  const starts = [
    '| | median (ms) | runs (ms) |',
    '| --- | ---: | --- |',
    ...[
      [
        'init (import of index.mjs: app.cjs compiled with its code cache, configuration, application, pool)',
        'initMs',
      ],
      ['first invocation (GET /health/ready: first connection, database, Redis)', 'firstMs'],
      ['second invocation (warm)', 'warmMs'],
    ].map(
      ([label, key]) =>
        `| ${label} | ${fmt(median[key])} | ${coldStart.coldStarts.map((start) => fmt(start[key])).join(', ')} |`,
    ),
  ];
  return [
    ...bundles,
    '',
    ...starts,
    '',
    `Init goal ≤ ${COLD_START_GOALS.initMs} ms on this machine: ${median.initMs <= COLD_START_GOALS.initMs ? 'met' : 'missed'} (median ${fmt(median.initMs)} ms; a process's RSS after two invocations ${fmt(median.rssMb)} MB).`,
    '',
  ].join('\n');
}

/** The endpoints the tracing and gateway phases load, as the tables name them. */
const PHASE_ENDPOINTS = [
  ['GET /auth/me', 'me'],
  ['POST /auth/refresh', 'refresh'],
  ['POST /auth/login', 'login'],
];

/** Goals of the services issue: the gateway path's rate at least this share of the monolith's. */
const GATEWAY_GOALS = { me: 0.5, refresh: 0.8 };

/** The gateway phase: each endpoint on the monolith and through the gateway, in the same rounds. */
export function gatewaySection({ gateway }) {
  if (!gateway) return '';
  if (gateway.skipped) return `Not measured: ${gateway.skipped}\n`;
  const { monolith, ratios } = gateway;
  const through = gateway.gateway;
  // Results saved before the bare-proxy ceiling joined the phase have no such columns.
  const bare = gateway.bareProxy;
  const rows = PHASE_ENDPOINTS.map(([name, key]) => [
    name,
    fmt(monolith[key].perSecond),
    fmt(through[key].perSecond),
    fmt(ratios[key], 3),
    ...(bare ? [fmt(bare[key].perSecond), fmt(gateway.bareRatios[key], 3), fmt(gateway.ofBare[key], 3)] : []),
    fmt(monolith[key].p95, 2),
    fmt(through[key].p95, 2),
    GATEWAY_GOALS[key] === undefined
      ? '(none)'
      : `≥ ${GATEWAY_GOALS[key]}: ${verdict(ratios[key] >= GATEWAY_GOALS[key])}`,
    `${errorsOf(monolith[key])} / ${errorsOf(through[key])}`,
  ]);
  // CPU per request: what the hop costs whatever the machine, and the rate the busiest process of
  // the path could sustain on a core of its own (each service on its own cores, as deployed).
  const cpuRows = PHASE_ENDPOINTS.filter(([, key]) => through[key].cpuMsPerRequestOf).map(([name, key]) => {
    const of = through[key].cpuMsPerRequestOf;
    const total = Object.values(of).reduce((sum, ms) => sum + ms, 0);
    const busiest = Object.entries(of).sort((a, b) => b[1] - a[1])[0];
    return [
      name,
      fmt(monolith[key].cpuMsPerRequest, 3),
      fmt(of.gateway, 3),
      fmt(of['auth-service'], 3),
      fmt(of['user-service'], 3),
      fmt(bare?.[key].cpuMsPerRequestOf?.proxy, 3),
      `${fmt(monolith[key].postgresCpuMsPerRequest, 3)} / ${fmt(through[key].postgresCpuMsPerRequest, 3)}`,
      fmt(total, 3),
      fmt(total / monolith[key].cpuMsPerRequest, 2),
      `${busiest[0]}: ${fmt(1000 / busiest[1])}`,
      fmt(1000 / monolith[key].cpuMsPerRequest),
    ];
  });
  return [
    'The monolith and the services deployment side by side in production mode: the gateway, the ' +
      "auth service (on the monolith's database: the same users and sessions) and the user service. " +
      `Each endpoint is loaded in ${gateway.rounds} rounds, the two deployments one after the other in ` +
      "each (the order reversed every other round); a ratio is the median of the rounds' ratios. The " +
      'four processes and the load generator share this machine; apart, the services would not.' +
      (bare
        ? " The ceiling, in the same rounds: the gateway's proxy (@fastify/http-proxy) alone in a bare " +
          "Fastify server in front of the monolith, doing none of the gateway's work: no gateway built on " +
          'that proxy exceeds its ratio on this machine.'
        : ''),
    '',
    table(
      [
        'endpoint',
        'req/s monolith',
        'req/s gateway',
        'gateway / monolith',
        ...(bare ? ['req/s bare proxy', 'ceiling: bare proxy / monolith', 'gateway / ceiling'] : []),
        'p95 monolith',
        'p95 gateway',
        'goal',
        'errors monolith / gateway',
      ],
      rows,
    ),
    '',
    ...(cpuRows.length === 0
      ? []
      : [
          'CPU milliseconds per request, of each process (the path total without PostgreSQL, whose ' +
            "backends' CPU is shown apart; the bare proxy's own, in front of the monolith, is what the " +
            'hop costs with none of the gateway\'s work). "One core each" is ' +
            'the rate the busiest process of the path could serve with a core of its own (1000 / its ' +
            'CPU ms), against the same figure for the monolith: the ratio a deployment that gives ' +
            'each service its own cores would approach.',
          '',
          table(
            [
              'endpoint',
              'monolith',
              'gateway',
              'auth service',
              'user service',
              'bare proxy (the hop alone)',
              'PostgreSQL: monolith / gateway path',
              'path total',
              'total / monolith',
              'one core each: busiest, req/s',
              'monolith, one core: req/s',
            ],
            cpuRows,
          ),
          '',
        ]),
  ].join('\n');
}

/** Goals of the observability issue: the traced rate at least this share of the untraced one. */
const TRACING_GOALS = { me: 0.9, refresh: 0.9, login: 0.98 };

/** The tracing phase: each endpoint off, traced (always_on, exported) and sampled out. */
function tracingSection({ tracing }) {
  if (!tracing) return '';
  const { off, on, sampledOut, exported } = tracing;
  // Results saved before the paired rounds have one run of each: their ratio is the two means'.
  const ratio = (key, figure) =>
    tracing.ratios?.[key]?.[figure] ??
    {
      traced: on[key].perSecond / off[key].perSecond,
      sampledOut: sampledOut[key].perSecond / off[key].perSecond,
      tracedCpu: on[key].cpuMsPerRequest / off[key].cpuMsPerRequest,
    }[figure];
  const rows = PHASE_ENDPOINTS.map(([name, key]) => [
    name,
    fmt(off[key].perSecond),
    fmt(on[key].perSecond),
    fmt(ratio(key, 'traced'), 3),
    fmt(ratio(key, 'sampledOut'), 3),
    fmt(off[key].p95, 2),
    fmt(on[key].p95, 2),
    fmt(ratio(key, 'tracedCpu'), 3),
    `≥ ${TRACING_GOALS[key]}: ${verdict(ratio(key, 'traced') >= TRACING_GOALS[key])}`,
    `${errorsOf(off[key])} / ${errorsOf(on[key])} / ${errorsOf(sampledOut[key])}`,
  ]);
  const method = tracing.rounds
    ? `Three APIs side by side: without tracing, traced with every request sampled ` +
      '(`OTEL_TRACES_SAMPLER=always_on`) and exported as OTLP/HTTP protobuf to a receiver in another ' +
      'process on this machine, and configured but sampled out (`always_off`). Each endpoint is loaded ' +
      `in ${tracing.rounds} rounds, the three APIs one after the other in each (the order reversed every ` +
      "other round); a ratio is the median of the rounds' ratios, req/s and p95 the means."
    : 'Each endpoint on a freshly started API: without tracing (the mean of a run before and one after), ' +
      'traced with every request sampled (`OTEL_TRACES_SAMPLER=always_on`) and exported as OTLP/HTTP ' +
      'protobuf to a receiver in another process on this machine, and configured but sampled out (`always_off`).';
  return [
    `${method} The traced API exported ${exported.requests.toLocaleString('en')} batches ` +
      `(${fmt(exported.bytes / 1024 / 1024, 1)} MB).`,
    '',
    table(
      [
        'endpoint',
        'req/s off',
        'req/s traced',
        'traced / off',
        'sampled out / off',
        'p95 off',
        'p95 traced',
        'CPU traced / off',
        'goal',
        'errors off / traced / out',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

/** Failures of the harness (not of performance): these make `pnpm bench` exit non-zero. */
export function harnessProblems(results) {
  const bare = (runs = {}) =>
    Object.fromEntries(Object.entries(runs).map(([key, run]) => [`bare ${key}`, run]));
  const runs = {
    ...results.endpoints,
    ...bare(results.ceilings.fastify),
    ...bare(results.ceilings.barePassword),
  };
  const problems = [];
  for (const [name, run] of Object.entries(runs)) {
    const total = run.ok + errorsOf(run);
    if (run.ok === 0) problems.push(`${name}: no successful request`);
    else if (errorsOf(run) / total > MAX_ERROR_RATE)
      problems.push(
        `${name}: ${errorsOf(run)} of ${total} requests failed (${JSON.stringify(run.statusCodes)})`,
      );
  }
  if (results.coldStart && !results.coldStart.skipped && results.coldStart.coldStarts.length === 0)
    problems.push('cold start: no run');
  if (results.events && !results.events.skipped) {
    const { amqp, cleanup } = results.events;
    for (const [set, runs] of [
      ['AMQP on', amqp.on],
      ['AMQP off', amqp.off],
    ]) {
      for (const key of ['login', 'register', 'refresh']) {
        if (runs[key].ok === 0) problems.push(`${set} ${key}: no successful request`);
      }
    }
    if (amqp.on.published === 0) problems.push('AMQP on: nothing was published while the endpoints ran');
    if (amqp.brokerTraffic && amqp.brokerTraffic.refresh.ok === 0)
      problems.push('refresh beside the broker traffic: no successful request');
    if (amqp.brokerTraffic && amqp.brokerTraffic.carriedPerSecond < amqp.brokerTraffic.perSecond * 0.5)
      problems.push(
        `broker traffic: ${amqp.brokerTraffic.carriedPerSecond}/s arrived of ${amqp.brokerTraffic.perSecond}/s published`,
      );
    if (cleanup && cleanup.left !== 0) problems.push(`clean-up: ${cleanup.left} expired sessions left`);
    if (cleanup && errorsOf(cleanup.during) > 0)
      problems.push(`refresh during the clean-up: ${errorsOf(cleanup.during)} errors`);
  }
  if (results.tracing) {
    const { off, on, sampledOut, exported, sampledOutExported } = results.tracing;
    for (const [set, runs] of [
      ['tracing off', off],
      ['traced', on],
      ['sampled out', sampledOut],
    ]) {
      for (const key of ['me', 'refresh', 'login']) {
        if (runs[key].ok === 0) problems.push(`${set} ${key}: no successful request`);
        else if (errorsOf(runs[key]) / (runs[key].ok + errorsOf(runs[key])) > MAX_ERROR_RATE)
          problems.push(`${set} ${key}: ${errorsOf(runs[key])} failed requests`);
      }
    }
    if (exported.requests === 0) problems.push('traced: nothing reached the OTLP receiver');
    if (sampledOutExported > 0) problems.push(`sampled out: ${sampledOutExported} batches were exported`);
  }
  if (results.gateway && !results.gateway.skipped) {
    for (const deployment of ['monolith', 'gateway']) {
      for (const key of ['me', 'refresh', 'login']) {
        const run = results.gateway[deployment][key];
        if (run.ok === 0) problems.push(`${deployment} ${key}: no successful request`);
        else if (errorsOf(run) / (run.ok + errorsOf(run)) > MAX_ERROR_RATE)
          problems.push(`${deployment} ${key}: ${errorsOf(run)} failed requests`);
      }
    }
  }
  const { soak } = results.memory;
  if (soak.errors / Math.max(1, soak.refreshes + soak.errors) > MAX_ERROR_RATE)
    problems.push(`soak: ${soak.errors} failed refreshes`);
  for (const [name, ceiling] of [
    ['argon2 verify', results.ceilings.argon2.verify],
    ['argon2 hash', results.ceilings.argon2.hash],
    ['refresh SQL', results.ceilings.refreshSql],
  ]) {
    if (!(ceiling.perSecond > 0)) problems.push(`${name} ceiling: nothing measured`);
  }
  return problems;
}

// `node tests/perf/report.mjs <results.json>`: the Markdown of a saved run, e.g. for the docs.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(renderMarkdown(JSON.parse(readFileSync(process.argv[2], 'utf8'))));
}
