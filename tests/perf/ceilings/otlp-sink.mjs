// A stand-in for an OpenTelemetry collector, in a process of its own: it accepts OTLP/HTTP export
// requests on /v1/traces, counts them and their bytes (GET /stats), and answers 200 at once. The bench's
// tracing run exports to it, so what is measured is the API's side of tracing (spans, batching,
// protobuf encoding, the HTTP export), with the receiving done on the same cores as a
// collector's on this machine would be.
import { createServer } from 'node:http';

const received = { requests: 0, bytes: 0 };
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    return;
  }
  let bytes = 0;
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => {
    received.requests += 1;
    received.bytes += bytes;
    response
      .writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/x-protobuf' })
      .end();
  });
});

process.once('message', () => {
  server.listen(0, '127.0.0.1', () => {
    process.send({ type: 'ready', value: { url: `http://127.0.0.1:${server.address().port}` } });
  });
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
