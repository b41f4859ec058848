import { ParseUUIDPipe, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { ErrorDetail } from '@latchkey/contracts';
import { ValidationFailed } from '../../shared-kernel/domain-error';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * DTO validation: unknown fields are rejected (no mass assignment), and every failure names its
 * field so a client can show it next to the input.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors)),
  });
}

/** A UUID path parameter; anything else is 400 VALIDATION_FAILED naming the parameter. */
export function uuidParam(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new ValidationFailed([{ field, message: `${field} must be a UUID` }]),
  });
}
