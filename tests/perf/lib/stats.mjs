/** Nearest-rank percentile of an ascending array (ms). */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (value, digits = 1) => (value === null ? null : Number(value.toFixed(digits)));

/** Throughput and latency of `latencies` (ms, successful operations only) over `seconds`. */
export function summarize(latencies, seconds, extra = {}) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    ok: sorted.length,
    seconds: round(seconds, 2),
    perSecond: round(sorted.length / seconds),
    p50: round(percentile(sorted, 50), 2),
    p95: round(percentile(sorted, 95), 2),
    p99: round(percentile(sorted, 99), 2),
    ...extra,
  };
}

/** Runs `operation` from `concurrency` loops until `seconds` have passed; latencies in ms. */
export async function closedLoop(operation, { concurrency, seconds }) {
  const latencies = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async (slot) => {
    while (performance.now() < deadline) {
      const begun = performance.now();
      await operation(slot);
      latencies.push(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, slot) => loop(slot)));
  // This process's CPU (all threads, so argon2's pool too) per operation: comparable with the
  // API's CPU per request, and steadier than throughput on a shared machine.
  const { user, system } = process.cpuUsage(cpuBefore);
  const cpuMsPerRequest = Number(((user + system) / 1000 / Math.max(1, latencies.length)).toFixed(3));
  return summarize(latencies, (performance.now() - started) / 1000, { cpuMsPerRequest });
}

/**
 * Runs of one scenario as one: the mean of each figure, the sum of the counts. A figure some run
 * lacks (the broker's CPU where there is no broker) is left out.
 */
export function meanOf(...runs) {
  const sum = (key) => runs.reduce((total, run) => total + run[key], 0);
  const mean = (key) => (runs.some((run) => run[key] === undefined) ? undefined : sum(key) / runs.length);
  return {
    ok: sum('ok'),
    non2xx: sum('non2xx'),
    socketErrors: sum('socketErrors'),
    perSecond: mean('perSecond'),
    p50: mean('p50'),
    p95: mean('p95'),
    p99: mean('p99'),
    cpuMsPerRequest: mean('cpuMsPerRequest'),
    postgresCpuMsPerRequest: mean('postgresCpuMsPerRequest'),
    brokerCpuMsPerRequest: mean('brokerCpuMsPerRequest'),
    runs,
  };
}
