// One cold start of the HTTP function's bundle, in a fresh process (forked by the cold-start
// phase): the module's import, which is the function's init (configuration, the application, the
// after-response extension: off Lambda, a no-op), then a first and a second invocation.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

/** What API Gateway HTTP API (payload 2.0) gives the function for `GET path`. */
function apiGatewayEvent(path) {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'bench.invalid', 'user-agent': 'latchkey-bench', 'x-forwarded-for': '127.0.0.1' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.invalid',
      domainPrefix: 'bench',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'latchkey-bench' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
}

const context = () => ({ awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 });

process.once('message', async ({ entry, path }) => {
  const started = performance.now();
  const { handler } = await import(pathToFileURL(entry).href);
  const initMs = performance.now() - started;
  const invoke = async () => {
    const at = performance.now();
    const result = await handler(apiGatewayEvent(path), context());
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
