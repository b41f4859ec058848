import type { ErrorCode, ErrorDetail } from '@latchkey/contracts';

/**
 * An expected failure, named after what went wrong in the domain. The global error filter maps
 * `code` to the HTTP status and ErrorResponse body; nothing below the HTTP adapter picks a status.
 */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  readonly details?: ErrorDetail[];
  /** Sent as `Retry-After` when set (429, 503). */
  readonly retryAfterSeconds?: number;
  /** Sent as `WWW-Authenticate` (RFC 6750 §3): on every 401 (plain `Bearer` when unset), and on a 403 that sets it. */
  readonly challenge?: string;

  constructor(
    message: string,
    options: { details?: ErrorDetail[]; retryAfterSeconds?: number; challenge?: string } = {},
  ) {
    super(message);
    this.name = new.target.name;
    if (options.details) this.details = options.details;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.challenge) this.challenge = options.challenge;
  }
}

export class ValidationFailed extends DomainError {
  readonly code = 'VALIDATION_FAILED' as const;
  constructor(details: ErrorDetail[], message = 'The request is invalid') {
    super(message, { details });
  }
}

export class ServiceUnavailable extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE' as const;
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
}

export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN' as const;
}

/**
 * A valid token that does not carry a permission the operation requires (RFC 6750 §3.1:
 * `insufficient_scope`, 403). Said whatever the token's roles: permissions are what is checked.
 */
export class PermissionRequired extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  constructor(missing: readonly string[]) {
    super(`This access token lacks the permission this operation requires: ${missing.join(', ')}`, {
      details: missing.map((permission) => ({ field: 'permissions', message: `requires ${permission}` })),
      challenge: 'Bearer error="insufficient_scope"',
    });
  }
}

/** No credentials at all (RFC 6750 §3.1: the challenge carries no error code then). */
export class AuthenticationRequired extends DomainError {
  readonly code = 'UNAUTHORIZED' as const;
  constructor() {
    super('Authentication required');
  }
}

export class InvalidAccessToken extends DomainError {
  readonly code = 'UNAUTHORIZED' as const;
  constructor() {
    super('The access token is invalid, expired or revoked', { challenge: 'Bearer error="invalid_token"' });
  }
}
