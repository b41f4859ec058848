import type { ErrorDetail } from '@latchkey/contracts';
import { DomainError } from '@latchkey/shared-kernel';

/** Wrong password, unknown email, disabled or deleted account: one error, one message. */
export class InvalidCredentials extends DomainError {
  readonly code = 'UNAUTHORIZED' as const;
  constructor() {
    super('Invalid email or password');
  }
}

export class EmailAlreadyRegistered extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('An account with this email already exists');
  }
}

export class PasswordRejected extends DomainError {
  readonly code = 'VALIDATION_FAILED' as const;
  constructor(details: ErrorDetail[]) {
    super('The password does not meet the password policy', { details });
  }
}

export class InvalidRefreshToken extends DomainError {
  readonly code = 'UNAUTHORIZED' as const;
  constructor() {
    super('The refresh token is invalid or expired');
  }
}

/** RFC 9700 §4.14.2: a consumed refresh token came back, so the whole chain is revoked. */
export class RefreshTokenReused extends DomainError {
  readonly code = 'UNAUTHORIZED' as const;
  constructor() {
    super('The refresh token was already used; its session has been revoked');
  }
}

// Shared with every module's HTTP adapters, which authenticate through the shared kernel.
export { AuthenticationRequired, InvalidAccessToken } from '@latchkey/shared-kernel';

export class SessionNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor() {
    super('No such session');
  }
}

/**
 * A reset token, verification token or code that does not work: unknown, used, superseded,
 * expired or out of attempts. One error for all, so the answer says nothing about which.
 */
export class InvalidOneTimeToken extends DomainError {
  readonly code = 'INVALID_TOKEN' as const;
  constructor() {
    super('The token or code is invalid, used or expired');
  }
}

export class EmailAlreadyVerified extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('The email address is already verified');
  }
}

/** Only the signed-in owner is told; an anonymous request is answered 202 regardless. */
export class VerificationEmailCooldown extends DomainError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(retryAfterSeconds: number) {
    super('A verification email was sent moments ago; check your inbox or retry later', {
      retryAfterSeconds,
    });
  }
}

/** Wrong current password on a password change (or the address is under login protection). */
export class CurrentPasswordIncorrect extends DomainError {
  readonly code = 'VALIDATION_FAILED' as const;
  constructor() {
    super('The current password is incorrect', {
      details: [{ field: 'currentPassword', message: 'is incorrect' }],
    });
  }
}
