import type { ErrorCode, ErrorResponse } from './api-types.js';

/**
 * What a call failed with: the server's ErrorResponse (its stable `code` and the `traceId` to
 * quote to an operator), or, with status 0, a network failure (`NETWORK_ERROR`) or a client that
 * has no session to use (`SIGNED_OUT`).
 */
export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';

  constructor(
    message: string,
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK_ERROR' | 'SIGNED_OUT',
    readonly traceId: string | undefined,
    readonly details: ErrorResponse['details'] = undefined,
    /** From `Retry-After`, for 429 and 503. */
    readonly retryAfterSeconds: number | undefined = undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** From a non-2xx response; a body that is not an ErrorResponse still gives status and trace id. */
  static async fromResponse(response: Response): Promise<LatchkeyError> {
    const retryAfter = Number(response.headers.get('retry-after'));
    const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
    const traceId = response.headers.get('x-request-id') ?? undefined;
    const body = (await response.json().catch(() => undefined)) as Partial<ErrorResponse> | undefined;
    if (body && typeof body.code === 'string' && typeof body.message === 'string')
      return new LatchkeyError(
        body.message,
        response.status,
        body.code,
        body.traceId ?? traceId,
        body.details,
        retryAfterSeconds,
      );
    return new LatchkeyError(
      `HTTP ${response.status}`,
      response.status,
      response.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED',
      traceId,
      undefined,
      retryAfterSeconds,
    );
  }

  static network(cause: unknown): LatchkeyError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new LatchkeyError(
      `The server could not be reached: ${reason}`,
      0,
      'NETWORK_ERROR',
      undefined,
      undefined,
      undefined,
      {
        cause,
      },
    );
  }

  static signedOut(): LatchkeyError {
    return new LatchkeyError('Not signed in: log in first', 0, 'SIGNED_OUT', undefined);
  }
}
