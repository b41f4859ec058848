import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { REQUEST_ID_HEADER } from '../http/request-id';
import { API_SECURITY_HEADERS } from '../http/security-headers';
import { mapError, mapStatus } from './error-mapper';
import { sendError } from './error-response.filter';

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or hook runs (a URL
 * whose %-escapes decode to nothing, a path parameter over `maxParamLength`). Without it Fastify
 * writes its own `{"statusCode","code","error"}` body, with no traceId and a code outside the
 * contract. The hooks that add the request id and security headers have not run, so they are
 * added here.
 */
export function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = mapError(error, request.id);
  if (mapped.unexpected) request.log.error({ err: error }, 'unexpected framework error');
  void reply.headers(API_SECURITY_HEADERS).header(REQUEST_ID_HEADER, request.id);
  sendError(reply, mapped);
}

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Node's `clientError`: a request the HTTP parser could not read (headers over 16 KiB, a request
 * that never finished arriving, bytes that are not HTTP). No request exists yet, so the answer
 * is written to the socket by hand, as Fastify's default handler does, but as an ErrorResponse
 * with a traceId of its own (also sent as X-Request-Id, and logged at debug with the cause).
 */
export function clientErrorHandler(logger: Logger) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection is gone: there is no one to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const traceId = randomUUID();
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
    const { body } = mapStatus(status, traceId);
    logger.debug({ traceId, code: error.code, status }, 'unreadable request refused');
    const text = JSON.stringify(body);
    if (socket.writable) {
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        'cache-control': 'no-store',
        connection: 'close',
        [REQUEST_ID_HEADER]: traceId,
        ...API_SECURITY_HEADERS,
      };
      const head = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${text}`);
    }
    socket.destroy(error);
  };
}
