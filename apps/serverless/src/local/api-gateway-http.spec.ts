import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toApiGatewayEvent, writeApiGatewayResult } from './api-gateway-http';
import type { HttpEvent, HttpResult } from '../lambda-environment';

/** A server answering each request with the event API Gateway would make of it, or with `result`. */
async function serve(result?: HttpResult): Promise<{ url: string; events: HttpEvent[]; server: Server }> {
  const events: HttpEvent[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      events.push(toApiGatewayEvent(request, Buffer.concat(chunks), new Date('2026-12-04T12:00:00Z')));
      writeApiGatewayResult(response, result ?? { statusCode: 204 }, 'apigw-1');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events, server };
}

/** Raw headers as a client sends them (fetch would merge and normalise them). */
function send(
  url: string,
  options: { method: string; path: string; headers: string[]; body?: Buffer },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path, url);
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method,
        // Raw pairs: Node adds no Host of its own then.
        headers: ['Host', target.host, ...options.headers],
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

describe('the local API Gateway (HTTP API, payload format 2.0)', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    servers = [];
  });

  it("maps a request as API Gateway does: lower-cased and joined headers, cookies apart, the query, the client's address", async () => {
    const { url, events, server } = await serve();
    servers.push(server);
    await send(url, {
      method: 'POST',
      path: '/v1/auth/refresh?a=1&b=two%20words&a=3',
      headers: [
        'Content-Type',
        'application/json',
        'Cookie',
        '__Secure-lk_refresh=abc; theme=dark',
        'X-Forwarded-For',
        '203.0.113.9',
        'Accept',
        'text/plain',
        'Accept',
        'application/json',
      ],
      body: Buffer.from('{"refreshToken":"r"}'),
    });
    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/auth/refresh',
      rawQueryString: 'a=1&b=two%20words&a=3',
      queryStringParameters: { a: '1,3', b: 'two words' },
      cookies: ['__Secure-lk_refresh=abc', 'theme=dark'],
      body: '{"refreshToken":"r"}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/v1/auth/refresh', sourceIp: '127.0.0.1', protocol: 'HTTP/1.1' },
        stage: '$default',
        timeEpoch: Date.parse('2026-12-04T12:00:00Z'),
      },
    });
    expect(event!.headers).toMatchObject({
      'content-type': 'application/json',
      accept: 'text/plain,application/json',
      // What the client wrote stays first; API Gateway appends the address it saw.
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
      'x-forwarded-proto': 'https',
    });
    expect(event!.headers.cookie).toBeUndefined();
    expect(event!.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('passes a body of another type base64-encoded, and leaves out what a bodiless request has not', async () => {
    const { url, events, server } = await serve();
    servers.push(server);
    await send(url, {
      method: 'PUT',
      path: '/x',
      headers: ['Content-Type', 'application/octet-stream'],
      body: Buffer.from([0, 255, 1]),
    });
    await send(url, { method: 'GET', path: '/y', headers: [] });
    expect(events[0]).toMatchObject({
      body: Buffer.from([0, 255, 1]).toString('base64'),
      isBase64Encoded: true,
    });
    expect(events[1]).not.toHaveProperty('body');
    expect(events[1]).not.toHaveProperty('queryStringParameters');
    expect(events[1]).not.toHaveProperty('cookies');
  });

  it("answers with the function's result: one Set-Cookie per cookie, a base64 body decoded, API Gateway's request id", async () => {
    const { url, server } = await serve({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'transfer-encoding': 'chunked' },
      cookies: ['a=1; Path=/; HttpOnly', 'b=2; Path=/'],
      body: Buffer.from('{"ok":true}').toString('base64'),
      isBase64Encoded: true,
    });
    servers.push(server);
    const response = await send(url, { method: 'GET', path: '/', headers: [] });
    expect(response.status).toBe(201);
    expect(response.headers['set-cookie']).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
    expect(response.headers['apigw-requestid']).toBe('apigw-1');
    expect(response.headers['transfer-encoding']).toBeUndefined();
    expect(response.body).toBe('{"ok":true}');
  });
});
