// Ceiling for the gateway path: the gateway's own proxy (@fastify/http-proxy on @fastify/reply-from
// and undici, the versions apps/gateway runs) in a bare Fastify server in front of the monolith,
// with nothing of the gateway's work (no bearer check, no internal token, no CORS, headers,
// request ids, rate limits, logs or traces). What any gateway built on this proxy can reach on
// this machine: the hop alone, measured in the same rounds as the monolith and the gateway.
import { createRequire } from 'node:module';

const requireFromGateway = createRequire(
  new URL('../../../packages/platform-http/package.json', import.meta.url),
);
const fastify = requireFromGateway('fastify');
const httpProxy = requireFromGateway('@fastify/http-proxy');

process.once('message', async ({ upstream }) => {
  const app = fastify({ logger: false });
  await app.register(httpProxy, { upstream });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send({ type: 'ready', value: { port: app.server.address().port } });
  process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
});
