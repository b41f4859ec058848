import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpEvent, HttpResult } from '../lambda-environment';

/** API Gateway HTTP API's own limit on a request's payload. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Content types API Gateway passes as text; any other body arrives base64-encoded. */
const TEXT_TYPES =
  /^(text\/|application\/(json|[^;]+\+json|xml|[^;]+\+xml|x-www-form-urlencoded|javascript|yaml))/i;

/** A request as API Gateway receives it from a client. */
export interface ClientRequest {
  method: string;
  /** The path and query string, as sent. */
  url: string;
  /** Header names and values in the order sent (a name may repeat). */
  headers: Array<[string, string]>;
  body?: Buffer;
  /** The client's address (the TCP peer). */
  sourceIp: string;
  localPort?: number;
  httpVersion?: string;
  now?: Date;
}

/**
 * What API Gateway HTTP API (payload format 2.0) hands a Lambda function for `request`, as its
 * documentation describes the mapping: header names lower-cased and repeated headers joined with
 * commas; the Cookie header moved to `cookies`; the query string raw and decoded; the client's
 * address in `requestContext.http.sourceIp`; and the headers API Gateway adds itself
 * (X-Forwarded-For with the client's address appended to whatever the client sent, -Port, -Proto,
 * X-Amzn-Trace-Id).
 */
export function apiGatewayEvent(request: ClientRequest): HttpEvent {
  const { sourceIp, now = new Date(), body = Buffer.alloc(0) } = request;
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [rawName, value] of request.headers) {
    const name = rawName.toLowerCase();
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const cookies = headers.cookie
    ?.split(';')
    .map((cookie) => cookie.trim())
    .filter(Boolean);
  delete headers.cookie;
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp;
  headers['x-forwarded-port'] = String(request.localPort ?? 443);
  headers['x-forwarded-proto'] = 'https';
  headers['x-amzn-trace-id'] =
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const rawQueryString = url.search.slice(1);
  const text = TEXT_TYPES.test(headers['content-type'] ?? '');
  const host = headers.host ?? 'localhost';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion ?? '1.1'}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `${randomBytes(6).toString('base64url')}=`,
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0
      ? { body: text ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !text }
      : { isBase64Encoded: false }),
  } as HttpEvent;
}

/** The event for a request the local harness received. */
export function toApiGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  now: Date = new Date(),
  sourceIpOf: (request: IncomingMessage) => string = socketAddress,
): HttpEvent {
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2)
    headers.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!]);
  return apiGatewayEvent({
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    headers,
    body,
    sourceIp: sourceIpOf(request),
    localPort: request.socket.localPort,
    httpVersion: request.httpVersion,
    now,
  });
}

/** Where API Gateway saw the request come from: the TCP peer. */
export function socketAddress(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/** API Gateway's answer from a function's result: status, headers, one Set-Cookie per cookie, body. */
export function writeApiGatewayResult(response: ServerResponse, result: HttpResult, requestId: string): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    const lower = name.toLowerCase();
    // API Gateway frames the response itself.
    if (lower === 'transfer-encoding' || lower === 'connection' || lower === 'content-length') continue;
    headers[lower] = String(value);
  }
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  headers['apigw-requestid'] = requestId;
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-length'] = String(body.length);
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

/** API Gateway's own answers, when the function cannot give one (its bodies, not the API's). */
export function writeApiGatewayError(
  response: ServerResponse,
  status: 413 | 500 | 503 | 504,
  requestId: string = randomUUID(),
): void {
  const message = {
    413: 'Request Entity Too Large',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
    504: 'Service Unavailable',
  }[status];
  const body = JSON.stringify({ message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'apigw-requestid': requestId,
  });
  response.end(body);
}
