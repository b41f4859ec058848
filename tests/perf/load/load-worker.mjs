// The load generator: one process of its own, driving one scenario with autocannon over loopback.
import autocannon from 'autocannon';
import { mark, serveOnce } from '../lib/child.mjs';
import { summarize } from '../lib/stats.mjs';
import { scenarios } from './scenarios.mjs';

async function drive(scenario, { url, connections, seconds, amount }, marks = false) {
  let nextSlot = 0;
  const latencies = [];
  const instance = autocannon({
    url,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    // autocannon takes a path only per request; every scenario sends one request shape.
    requests: [scenario.request],
    ...scenario.options,
    setupClient: scenario.setupClient && ((client) => scenario.setupClient(client, nextSlot++)),
  });
  // autocannon's own histogram has no p95; keep every successful latency instead.
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  // The parent reads the server's CPU time at these marks: CPU per request, warm-up excluded.
  if (marks) instance.once('start', () => mark('start'));
  const result = await instance;
  if (marks) mark('end');
  await scenario.settle?.(url);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
  );
  return summarize(latencies, result.duration, {
    connections,
    non2xx: result.non2xx,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  });
}

serveOnce(async ({ scenario: name, data, url, connections, seconds, amount, warmupSeconds }) => {
  const scenario = scenarios[name](data);
  if (warmupSeconds > 0) await drive(scenario, { url, connections, seconds: warmupSeconds });
  const measured = await drive(scenario, { url, connections, seconds, amount }, true);
  return { ...measured, state: scenario.state?.() };
});
