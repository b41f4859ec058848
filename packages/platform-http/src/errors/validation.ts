import { type ArgumentMetadata, ParseUUIDPipe, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { ErrorDetail } from '@latchkey/contracts';
import { ValidateIf } from 'class-validator';
import { ValidationFailed } from '@latchkey/shared-kernel';
import { MAX_JSON_DEPTH } from '../http/json-body';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Why a string of a request cannot be taken as it is, if it cannot. */
function flawOf(text: string): string | undefined {
  // PostgreSQL cannot store U+0000: it would fail as a 500 (and put the failed statement's
  // values in the error log).
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  // A lone UTF-16 surrogate is no character at all: encodeURI (in the email validator) threw on
  // it, and no database or mail server could have stored or sent it faithfully.
  if (!text.isWellFormed()) return 'must be well-formed Unicode (no lone surrogate)';
  return undefined;
}

/** The first string of a parsed body or query that cannot be taken, with its path ('' for the value itself). */
function firstFlaw(value: unknown, path = '', depth = 0): { path: string; flaw: string } | undefined {
  if (typeof value === 'string') {
    const flaw = flawOf(value);
    return flaw === undefined ? undefined : { path, flaw };
  }
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const keyFlaw = flawOf(key);
    if (keyFlaw !== undefined) return { path: path || 'body', flaw: `field names ${keyFlaw}` };
    const found = firstFlaw(child, path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * DTO validation: unknown fields are rejected (no mass assignment), and every failure names its
 * field so a client can show it next to the input. Every string the client sent (body, query,
 * path parameters, field names too) is checked first, whatever its field's rules: one holding
 * U+0000 or a lone surrogate is refused wherever it is.
 */
class LatchkeyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // What the client sent; a custom decorator's value (the principal) is the server's own.
    const found = metadata.type === 'custom' ? undefined : firstFlaw(value);
    if (found !== undefined) {
      const field = found.path || metadata.data || metadata.type;
      throw new ValidationFailed([{ field, message: `${field} ${found.flaw}` }]);
    }
    return super.transform(value, metadata);
  }
}

/**
 * An optional field: absent is fine, `null` is not. class-validator's own IsOptional skips every
 * rule for `null` too, which let `{"email": null}` through to the use cases (a 500). No request
 * field of docs/openapi.yaml is nullable, so `null` gets the field's ordinary 400 instead.
 */
export const Optional = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

export function createValidationPipe(): ValidationPipe {
  return new LatchkeyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    // One detail per field: a missing `name` broke three rules at once (string, not empty, length)
    // and said so three times.
    stopAtFirstError: true,
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors)),
  });
}

/** A UUID path parameter; anything else is 400 VALIDATION_FAILED naming the parameter. */
export function uuidParam(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new ValidationFailed([{ field, message: `${field} must be a UUID` }]),
  });
}
