import { HttpException } from '@nestjs/common';
import { type ErrorCode, type ErrorResponse, errorStatus } from '@latchkey/contracts';
import { DomainError } from '../../shared-kernel/domain-error';

export interface MappedError {
  status: number;
  body: ErrorResponse;
  headers: Record<string, string>;
  /** True for failures nobody expected: logged with the stack, answered with a generic body. */
  unexpected: boolean;
}

const codeByStatus: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'IDEMPOTENCY_KEY_MISMATCH',
  429: 'RATE_LIMITED',
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
    return build(errorStatus[error.code], error.code, error.message, traceId, headers, error.details);
  }
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own errors (body parsing runs before any handler) and keeps the cause.
    return fromParserError(error.cause, traceId) ?? fromStatus(error.getStatus(), traceId);
  }
  const parserError = fromParserError(error, traceId);
  if (parserError) return parserError;
  return { ...build(500, 'INTERNAL', defaultMessages.INTERNAL, traceId, {}), unexpected: true };
}

const INVALID_JSON = 'The request body is not valid JSON';

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
  if (isFastifyError(error)) return fromStatus(error.statusCode, traceId);
  return undefined;
}

function fromStatus(status: number, traceId: string): MappedError {
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
