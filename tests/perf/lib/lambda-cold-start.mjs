// One cold start of the HTTP function's bundle, in a fresh process (forked by the cold-start
// phase): the module's import, which is the function's init (configuration, the application, the
// after-response extension: off Lambda, a no-op), then a first and a second invocation.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The local harness's mapping of a request to API Gateway's event (apps/serverless, built).
const { apiGatewayEvent } = createRequire(import.meta.url)(
  '../../../apps/serverless/dist/local/api-gateway-http.js',
);

const get = (path) =>
  apiGatewayEvent({
    method: 'GET',
    url: path,
    headers: [
      ['host', 'bench.invalid'],
      ['user-agent', 'latchkey-bench'],
    ],
    sourceIp: '127.0.0.1',
  });

const context = () => ({ awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 });

process.once('message', async ({ entry, path }) => {
  const started = performance.now();
  const { handler } = await import(pathToFileURL(entry).href);
  const initMs = performance.now() - started;
  const invoke = async () => {
    const at = performance.now();
    const result = await handler(get(path), context());
    if (result.statusCode !== 200)
      throw new Error(`GET ${path} answered ${result.statusCode}: ${result.body}`);
    return performance.now() - at;
  };
  const firstMs = await invoke();
  const warmMs = await invoke();
  process.send({
    type: 'result',
    value: { initMs, firstMs, warmMs, rssMb: process.memoryUsage().rss / 2 ** 20 },
  });
  // The pool and Redis would keep the process alive: this environment is done.
  setTimeout(() => process.exit(0), 50);
});
