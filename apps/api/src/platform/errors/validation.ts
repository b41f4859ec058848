import { type ArgumentMetadata, ParseUUIDPipe, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { ErrorDetail } from '@latchkey/contracts';
import { ValidationFailed } from '../../shared-kernel/domain-error';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** The path of the first string holding U+0000 in a parsed body or query, if any ('' for the value itself). */
function pathOfNul(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = pathOfNul(child, path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * DTO validation: unknown fields are rejected (no mass assignment), and every failure names its
 * field so a client can show it next to the input. A string holding U+0000 is refused wherever it
 * is: PostgreSQL cannot store the character, so it would otherwise fail as a 500 (and put the
 * values of the failed statement in the error log).
 */
class LatchkeyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // What the client sent; a custom decorator's value (the principal) is the server's own.
    const path = metadata.type === 'custom' ? undefined : pathOfNul(value);
    if (path !== undefined) {
      const field = path || metadata.data || metadata.type;
      throw new ValidationFailed([
        { field, message: `${field} must not contain the NUL character (U+0000)` },
      ]);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new LatchkeyValidationPipe({
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
