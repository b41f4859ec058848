import { HttpException } from '@nestjs/common';
import { type ErrorCode, type ErrorResponse, errorStatus } from '@latchkey/contracts';
import { DomainError } from '@latchkey/shared-kernel';
import { isDatabaseUnavailable } from '@latchkey/platform';

export interface MappedError {
  status: number;
  body: ErrorResponse;
  headers: Record<string, string>;
  /** True for failures nobody expected: logged with the stack, answered with a generic body. */
  unexpected: boolean;
  /** An expected failure an operator should still hear of (a dependency down): logged as a warning. */
  warning?: string;
}

/** How long a client should wait before retrying a request the database could not serve. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

const codeByStatus: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'IDEMPOTENCY_KEY_MISMATCH',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

const defaultMessages: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is invalid',
  INVALID_TOKEN: 'The token or code is invalid, used or expired',
  UNAUTHORIZED: 'Authentication required',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json',
  IDEMPOTENCY_KEY_MISMATCH: 'The idempotency key was used with a different request',
  REQUEST_TIMEOUT: 'The request did not arrive in time',
  URI_TOO_LONG: 'A path segment of the URL is too long',
  HEADERS_TOO_LARGE: 'The request headers are too large',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal server error',
  SERVICE_UNAVAILABLE: 'Service unavailable',
};

/** Fastify's own errors (body parsing happens before Nest sees the request). */
interface FastifyError {
  code: string;
  statusCode: number;
  message: string;
}

function isFastifyError(error: unknown): error is FastifyError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as FastifyError).code === 'string' &&
    (error as FastifyError).code.startsWith('FST_') &&
    typeof (error as FastifyError).statusCode === 'number'
  );
}

/** The one place that turns a thrown thing into an ErrorResponse. */
export function mapError(error: unknown, traceId: string): MappedError {
  if (error instanceof DomainError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    if (error.code === 'UNAUTHORIZED') headers['www-authenticate'] = error.challenge ?? 'Bearer';
    else if (error.challenge) headers['www-authenticate'] = error.challenge;
    return build(errorStatus[error.code], error.code, error.message, traceId, headers, error.details);
  }
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own errors (body parsing runs before any handler) and keeps the cause.
    return fromParserError(error.cause, traceId) ?? mapStatus(error.getStatus(), traceId);
  }
  const parserError = fromParserError(error, traceId);
  if (parserError) return parserError;
  if (isDatabaseUnavailable(error)) {
    const mapped = build(503, 'SERVICE_UNAVAILABLE', DATABASE_UNAVAILABLE, traceId, {
      'retry-after': String(DATABASE_RETRY_AFTER_SECONDS),
    });
    return { ...mapped, warning: 'database unavailable' };
  }
  return { ...build(500, 'INTERNAL', defaultMessages.INTERNAL, traceId, {}), unexpected: true };
}

const INVALID_JSON = 'The request body is not valid JSON';
const DATABASE_UNAVAILABLE = 'The service is temporarily unable to reach its database; retry later';
const BAD_URL = 'The URL holds a malformed percent-encoding';

function fromParserError(error: unknown, traceId: string): MappedError | undefined {
  // secure-json-parse throws a SyntaxError that Fastify marks with statusCode 400.
  const invalidJson =
    (isFastifyError(error) &&
      (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')) ||
    (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400);
  if (invalidJson)
    return build(400, 'VALIDATION_FAILED', INVALID_JSON, traceId, {}, [
      { field: 'body', message: INVALID_JSON },
    ]);
  // A %-escape that decodes to no character (`/users/%ZZ`), found by the router before any route.
  if (isFastifyError(error) && error.code === 'FST_ERR_BAD_URL')
    return build(400, 'VALIDATION_FAILED', BAD_URL, traceId, {}, [{ field: 'url', message: BAD_URL }]);
  if (isFastifyError(error)) return mapStatus(error.statusCode, traceId);
  return undefined;
}

/** The ErrorResponse of a bare HTTP status (the code that status stands for, its default message). */
export function mapStatus(status: number, traceId: string): MappedError {
  const code = codeByStatus[status] ?? (status >= 400 && status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL');
  const headers: Record<string, string> = code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer' } : {};
  const mapped = build(errorStatus[code], code, defaultMessages[code], traceId, headers);
  return code === 'INTERNAL' ? { ...mapped, unexpected: true } : mapped;
}

function build(
  status: number,
  code: ErrorCode,
  message: string,
  traceId: string,
  headers: Record<string, string>,
  details?: ErrorResponse['details'],
): MappedError {
  const body: ErrorResponse = { message, code, traceId };
  if (details && details.length > 0) body.details = details;
  return { status, body, headers, unexpected: false };
}
